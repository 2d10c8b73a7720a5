#!/usr/bin/python3
"""Basic-profile-like de-identification with pydicom, for bench/anonymize/run.sh.

Walks every element at every depth: removes private tags, empties or
replaces the identifying attributes of PS3.15 Table E.1-1 that the synthetic
studies carry, remaps every non-DICOM UID with HMAC-SHA256 into 2.25.<int>,
and writes each file under its new SOP Instance UID. One process, files in
sequence (what a typical pydicom script does).

Usage: anon_pydicom.py KEYFILE OUTDIR INDIR
"""
import hashlib
import hmac
import os
import sys

import pydicom

REMOVE = {0x00101040, 0x00102154, 0x00101002, 0x00080096, 0x00081050, 0x00081060, 0x00080081,
          0x00081040, 0x00100021, 0x00101010, 0x00101020, 0x00101030, 0x00081030, 0x0008103E,
          0x00400275, 0x00400254, 0x00400253, 0x00324000, 0x00204000, 0x00081120, 0x00102160}
EMPTY = {0x00080050, 0x00080090, 0x00100030, 0x00100040, 0x00200010, 0x00080020, 0x00080030}
DUMMY = {0x00080080: "ANONYMIZED", 0x00081010: "ANONYMIZED", 0x00081070: "ANONYMIZED",
         0x00181000: "ANONYMIZED", 0x00080012: "19000101", 0x00080013: "000000",
         0x00080021: "19000101", 0x00080022: "19000101", 0x00080023: "19000101",
         0x00080031: "000000", 0x00080032: "000000", 0x00080033: "000000",
         0x00400244: "19000101", 0x00400245: "000000"}
KEEP_UID = {0x00080016, 0x00081150, 0x0008010C, 0x00020002, 0x00020010}


def main():
    key = open(sys.argv[1], "rb").read()
    out, src = sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)

    def uid(v):
        if v.startswith("1.2.840.10008."):
            return v
        d = hmac.new(key, v.encode(), hashlib.sha256).digest()[:16]
        return "2.25." + str(int.from_bytes(d, "big"))

    def clean(ds):
        for elem in list(ds):
            t = int(elem.tag)
            if elem.tag.is_private or t in REMOVE:
                del ds[elem.tag]
            elif t in EMPTY:
                elem.value = ""
            elif t in DUMMY:
                elem.value = DUMMY[t]
            elif elem.VR == "UI" and t not in KEEP_UID and elem.value:
                elem.value = uid(str(elem.value))
            elif elem.VR == "PN":
                elem.value = "ANONYMIZED"
            elif elem.VR == "SQ":
                for item in elem.value:
                    clean(item)

    pseudo = None
    for root, _, files in os.walk(src):
        for name in sorted(files):
            ds = pydicom.dcmread(os.path.join(root, name))
            if pseudo is None:
                pseudo = "RK" + hmac.new(key, str(ds.PatientID).encode(), hashlib.sha256).hexdigest()[:16]
            clean(ds)
            ds.PatientName = pseudo
            ds.PatientID = pseudo
            ds.PatientIdentityRemoved = "YES"
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.save_as(os.path.join(out, ds.SOPInstanceUID + ".dcm"))


main()
