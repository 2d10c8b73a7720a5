package synth

import "github.com/radkit/radkit/dicomio"

// SOP Classes generated (PS3.4 Annex B).
const (
	sopCT         = "1.2.840.10008.5.1.4.1.1.2"
	sopMR         = "1.2.840.10008.5.1.4.1.1.4"
	sopCR         = "1.2.840.10008.5.1.4.1.1.1"
	sopDX         = "1.2.840.10008.5.1.4.1.1.1.1"
	sopMG         = "1.2.840.10008.5.1.4.1.1.1.2"
	sopDBT        = "1.2.840.10008.5.1.4.1.1.13.1.3"
	sopUS         = "1.2.840.10008.5.1.4.1.1.6.1"
	sopSC         = "1.2.840.10008.5.1.4.1.1.7"
	sopSR         = "1.2.840.10008.5.1.4.1.1.88.11"
	sopPatientRef = "1.2.840.10008.3.1.2.1.1" // Detached Patient Management (retired), the only Patient SOP Class
)

// Tags used by the generator, named as in PS3.6. The dictionary is not
// needed to write them: every value is set with an explicit VR.
const (
	tImageType                   dicomio.Tag = 0x00080008
	tInstanceCreationDate        dicomio.Tag = 0x00080012
	tInstanceCreationTime        dicomio.Tag = 0x00080013
	tStudyDate                   dicomio.Tag = 0x00080020
	tSeriesDate                  dicomio.Tag = 0x00080021
	tAcquisitionDate             dicomio.Tag = 0x00080022
	tContentDate                 dicomio.Tag = 0x00080023
	tAcquisitionDateTime         dicomio.Tag = 0x0008002A
	tStudyTime                   dicomio.Tag = 0x00080030
	tSeriesTime                  dicomio.Tag = 0x00080031
	tAcquisitionTime             dicomio.Tag = 0x00080032
	tContentTime                 dicomio.Tag = 0x00080033
	tAccessionNumber             dicomio.Tag = 0x00080050
	tIssuerOfAccessionNumberSeq  dicomio.Tag = 0x00080051
	tConversionType              dicomio.Tag = 0x00080064
	tPresentationIntentType      dicomio.Tag = 0x00080068
	tManufacturer                dicomio.Tag = 0x00080070
	tInstitutionName             dicomio.Tag = 0x00080080
	tInstitutionAddress          dicomio.Tag = 0x00080081
	tReferringPhysicianName      dicomio.Tag = 0x00080090
	tReferringPhysicianIDSeq     dicomio.Tag = 0x00080096
	tCodeValue                   dicomio.Tag = 0x00080100
	tCodingSchemeDesignator      dicomio.Tag = 0x00080102
	tCodingSchemeVersion         dicomio.Tag = 0x00080103
	tCodeMeaning                 dicomio.Tag = 0x00080104
	tCodingSchemeIdentSeq        dicomio.Tag = 0x00080110
	tCodingSchemeRegistry        dicomio.Tag = 0x00080112
	tCodingSchemeUID             dicomio.Tag = 0x0008010C
	tCodingSchemeName            dicomio.Tag = 0x00080115
	tCodingSchemeResponsibleOrg  dicomio.Tag = 0x00080116
	tStationName                 dicomio.Tag = 0x00081010
	tStudyDescription            dicomio.Tag = 0x00081030
	tProcedureCodeSeq            dicomio.Tag = 0x00081032
	tSeriesDescription           dicomio.Tag = 0x0008103E
	tInstitutionalDepartmentName dicomio.Tag = 0x00081040
	tPerformingPhysicianName     dicomio.Tag = 0x00081050
	tNameOfPhysiciansReading     dicomio.Tag = 0x00081060
	tOperatorsName               dicomio.Tag = 0x00081070
	tManufacturerModelName       dicomio.Tag = 0x00081090
	tReferencedPatientSeq        dicomio.Tag = 0x00081120
	tReferencedPPSSeq            dicomio.Tag = 0x00081111
	tReferencedSOPClassUID       dicomio.Tag = 0x00081150
	tReferencedSOPInstanceUID    dicomio.Tag = 0x00081155
	tDerivationDescription       dicomio.Tag = 0x00082111
	tAnatomicRegionSeq           dicomio.Tag = 0x00082218
	tFrameType                   dicomio.Tag = 0x00089007

	tIssuerOfPatientID        dicomio.Tag = 0x00100021
	tTypeOfPatientID          dicomio.Tag = 0x00100022
	tIssuerOfPatientIDQualSeq dicomio.Tag = 0x00100024
	tPatientBirthDate         dicomio.Tag = 0x00100030
	tPatientSex               dicomio.Tag = 0x00100040
	tOtherPatientIDsSeq       dicomio.Tag = 0x00101002
	tPatientBirthName         dicomio.Tag = 0x00101005
	tPatientAge               dicomio.Tag = 0x00101010
	tPatientWeight            dicomio.Tag = 0x00101030
	tPatientAddress           dicomio.Tag = 0x00101040
	tPatientTelephoneNumbers  dicomio.Tag = 0x00102154
	tPatientIdentityRemoved   dicomio.Tag = 0x00120062

	tContrastBolusAgent       dicomio.Tag = 0x00180010
	tBodyPartExamined         dicomio.Tag = 0x00180015
	tScanningSequence         dicomio.Tag = 0x00180020
	tSequenceVariant          dicomio.Tag = 0x00180021
	tScanOptions              dicomio.Tag = 0x00180022
	tMRAcquisitionType        dicomio.Tag = 0x00180023
	tSliceThickness           dicomio.Tag = 0x00180050
	tKVP                      dicomio.Tag = 0x00180060
	tRepetitionTime           dicomio.Tag = 0x00180080
	tEchoTime                 dicomio.Tag = 0x00180081
	tImagingFrequency         dicomio.Tag = 0x00180084
	tImagedNucleus            dicomio.Tag = 0x00180085
	tEchoNumbers              dicomio.Tag = 0x00180086
	tMagneticFieldStrength    dicomio.Tag = 0x00180087
	tSpacingBetweenSlices     dicomio.Tag = 0x00180088
	tEchoTrainLength          dicomio.Tag = 0x00180091
	tDeviceSerialNumber       dicomio.Tag = 0x00181000
	tSoftwareVersions         dicomio.Tag = 0x00181020
	tContrastBolusRoute       dicomio.Tag = 0x00181040
	tReconstructionDiameter   dicomio.Tag = 0x00181100
	tDistanceSourceToDetector dicomio.Tag = 0x00181110
	tDistanceSourceToPatient  dicomio.Tag = 0x00181111
	tGantryDetectorTilt       dicomio.Tag = 0x00181120
	tTableHeight              dicomio.Tag = 0x00181130
	tExposureTime             dicomio.Tag = 0x00181150
	tXRayTubeCurrent          dicomio.Tag = 0x00181151
	tExposure                 dicomio.Tag = 0x00181152
	tFilterType               dicomio.Tag = 0x00181160
	tImagerPixelSpacing       dicomio.Tag = 0x00181164
	tConvolutionKernel        dicomio.Tag = 0x00181210
	tBodyPartThickness        dicomio.Tag = 0x001811A0
	tCompressionForce         dicomio.Tag = 0x001811A2
	tPositionerType           dicomio.Tag = 0x00181508
	tPositionerPrimaryAngle   dicomio.Tag = 0x00181510
	tPatientPosition          dicomio.Tag = 0x00185100
	tViewPosition             dicomio.Tag = 0x00185101
	tDetectorType             dicomio.Tag = 0x00187004
	tAnodeTargetMaterial      dicomio.Tag = 0x00181191
	tFilterMaterial           dicomio.Tag = 0x00187050
	tSecondaryCaptureDevManuf dicomio.Tag = 0x00181016
	tDateOfSecondaryCapture   dicomio.Tag = 0x00181012
	tTimeOfSecondaryCapture   dicomio.Tag = 0x00181014
	tSequenceOfUSRegions      dicomio.Tag = 0x00186011
	tRegionSpatialFormat      dicomio.Tag = 0x00186012
	tRegionDataType           dicomio.Tag = 0x00186014
	tRegionFlags              dicomio.Tag = 0x00186016
	tRegionLocationMinX0      dicomio.Tag = 0x00186018
	tRegionLocationMinY0      dicomio.Tag = 0x0018601A
	tRegionLocationMaxX1      dicomio.Tag = 0x0018601C
	tRegionLocationMaxY1      dicomio.Tag = 0x0018601E
	tPhysicalUnitsXDirection  dicomio.Tag = 0x00186024
	tPhysicalUnitsYDirection  dicomio.Tag = 0x00186026
	tPhysicalDeltaX           dicomio.Tag = 0x0018602C
	tPhysicalDeltaY           dicomio.Tag = 0x0018602E
	tTransducerData           dicomio.Tag = 0x00185010

	tStudyID                    dicomio.Tag = 0x00200010
	tSeriesNumber               dicomio.Tag = 0x00200011
	tAcquisitionNumber          dicomio.Tag = 0x00200012
	tInstanceNumber             dicomio.Tag = 0x00200013
	tPatientOrientation         dicomio.Tag = 0x00200020
	tImagePositionPatient       dicomio.Tag = 0x00200032
	tImageOrientationPatient    dicomio.Tag = 0x00200037
	tFrameOfReferenceUID        dicomio.Tag = 0x00200052
	tLaterality                 dicomio.Tag = 0x00200060
	tImageLaterality            dicomio.Tag = 0x00200062
	tPositionReferenceIndicator dicomio.Tag = 0x00201040
	tSliceLocation              dicomio.Tag = 0x00201041

	tPixelSpacing               dicomio.Tag = 0x00280030
	tPixelIntensityRelationship dicomio.Tag = 0x00281040
	tPixelIntensityRelSign      dicomio.Tag = 0x00281041
	tWindowCenter               dicomio.Tag = 0x00281050
	tWindowWidth                dicomio.Tag = 0x00281051
	tRescaleIntercept           dicomio.Tag = 0x00281052
	tRescaleSlope               dicomio.Tag = 0x00281053
	tRescaleType                dicomio.Tag = 0x00281054
	tWindowExplanation          dicomio.Tag = 0x00281055
	tVOILUTFunction             dicomio.Tag = 0x00281056
	tBreastImplantPresent       dicomio.Tag = 0x00281300
	tBurnedInAnnotation         dicomio.Tag = 0x00280301
	tRecognizableVisualFeatures dicomio.Tag = 0x00280302
	tLossyImageCompression      dicomio.Tag = 0x00282110
	tLUTDescriptor              dicomio.Tag = 0x00283002
	tLUTExplanation             dicomio.Tag = 0x00283003
	tLUTData                    dicomio.Tag = 0x00283006
	tVOILUTSeq                  dicomio.Tag = 0x00283010

	tPerformedStationAETitle dicomio.Tag = 0x00400241
	tPPSStartDate            dicomio.Tag = 0x00400244
	tPPSStartTime            dicomio.Tag = 0x00400245
	tPPSID                   dicomio.Tag = 0x00400253
	tPPSDescription          dicomio.Tag = 0x00400254
	tRequestAttributesSeq    dicomio.Tag = 0x00400275
	tScheduledProcStepDesc   dicomio.Tag = 0x00400007
	tScheduledProcStepID     dicomio.Tag = 0x00400009
	tRequestedProcedureID    dicomio.Tag = 0x00401001
	tRequestedProcedureDesc  dicomio.Tag = 0x00321060
	tRequestingPhysician     dicomio.Tag = 0x00321032
	tOrganExposed            dicomio.Tag = 0x00400318
	tLocalNamespaceEntityID  dicomio.Tag = 0x00400031
	tUniversalEntityID       dicomio.Tag = 0x00400032
	tUniversalEntityIDType   dicomio.Tag = 0x00400033
	tPersonIdentCodeSeq      dicomio.Tag = 0x00401101
	tEntranceDoseInmGy       dicomio.Tag = 0x00408302
	tOrganDose               dicomio.Tag = 0x00400316

	tRelationshipType           dicomio.Tag = 0x0040A010
	tVerifyingOrganization      dicomio.Tag = 0x0040A027
	tVerificationDateTime       dicomio.Tag = 0x0040A030
	tValueType                  dicomio.Tag = 0x0040A040
	tConceptNameCodeSeq         dicomio.Tag = 0x0040A043
	tContinuityOfContent        dicomio.Tag = 0x0040A050
	tVerifyingObserverSeq       dicomio.Tag = 0x0040A073
	tVerifyingObserverName      dicomio.Tag = 0x0040A075
	tVerifyingObserverIDCodeSeq dicomio.Tag = 0x0040A088
	tPersonName                 dicomio.Tag = 0x0040A123
	tTextValue                  dicomio.Tag = 0x0040A160
	tConceptCodeSeq             dicomio.Tag = 0x0040A168
	tReferencedRequestSeq       dicomio.Tag = 0x0040A370
	tPerformedProcedureCodeSeq  dicomio.Tag = 0x0040A372
	tCompletionFlag             dicomio.Tag = 0x0040A491
	tVerificationFlag           dicomio.Tag = 0x0040A493
	tContentSeq                 dicomio.Tag = 0x0040A730
	tAcquisitionContextSeq      dicomio.Tag = 0x00400555

	tViewCodeSeq         dicomio.Tag = 0x00540220
	tViewModifierCodeSeq dicomio.Tag = 0x00540222

	tPresentationLUTShape dicomio.Tag = 0x20500020
)

// The private block: a creator and a few elements, some of them
// identifying, as vendors' private data often is.
const (
	privateCreator                  = "RADKIT SYNTH 1.0"
	tPrivateCreator     dicomio.Tag = 0x00290010
	tPrivateGenerator   dicomio.Tag = 0x00291010
	tPrivatePatientName dicomio.Tag = 0x00291011
	tPrivateIdentifiers dicomio.Tag = 0x00291012
	tPrivateSeed        dicomio.Tag = 0x00291013
)

const (
	tReferencedStudySeq        dicomio.Tag = 0x00081110
	tRequestedProcedureCodeSeq dicomio.Tag = 0x00321064
	tPlacerOrderNumber         dicomio.Tag = 0x00402016
	tFillerOrderNumber         dicomio.Tag = 0x00402017
)

// Enhanced multi-frame attributes.
const (
	tFrameAcquisitionDateTime    dicomio.Tag = 0x00189074
	tFrameReferenceDateTime      dicomio.Tag = 0x00189151
	tFrameAcquisitionDuration    dicomio.Tag = 0x00189220
	tContentQualification        dicomio.Tag = 0x00189004
	tXRay3DFrameTypeSeq          dicomio.Tag = 0x00189504
	tVolumetricProperties        dicomio.Tag = 0x00089206
	tVolumeBasedCalcTechnique    dicomio.Tag = 0x00089207
	tReconstructionAlgorithm     dicomio.Tag = 0x00189315
	tPixelPresentation           dicomio.Tag = 0x00089205
	tStackID                     dicomio.Tag = 0x00209056
	tInStackPositionNumber       dicomio.Tag = 0x00209057
	tFrameAnatomySeq             dicomio.Tag = 0x00209071
	tFrameLaterality             dicomio.Tag = 0x00209072
	tFrameContentSeq             dicomio.Tag = 0x00209111
	tPlanePositionSeq            dicomio.Tag = 0x00209113
	tPlaneOrientationSeq         dicomio.Tag = 0x00209116
	tDimensionIndexValues        dicomio.Tag = 0x00209157
	tDimensionOrganizationUID    dicomio.Tag = 0x00209164
	tDimensionIndexPointer       dicomio.Tag = 0x00209165
	tFunctionalGroupPointer      dicomio.Tag = 0x00209167
	tDimensionOrganizationSeq    dicomio.Tag = 0x00209221
	tDimensionIndexSeq           dicomio.Tag = 0x00209222
	tDimensionOrganizationType   dicomio.Tag = 0x00209311
	tDimensionDescriptionLabel   dicomio.Tag = 0x00209421
	tPixelMeasuresSeq            dicomio.Tag = 0x00289110
	tFrameVOILUTSeq              dicomio.Tag = 0x00289132
	tPixelValueTransformSeq      dicomio.Tag = 0x00289145
	tSharedFunctionalGroupsSeq   dicomio.Tag = 0x52009229
	tPerFrameFunctionalGroupsSeq dicomio.Tag = 0x52009230
)
