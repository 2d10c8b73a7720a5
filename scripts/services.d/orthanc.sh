# Orthanc (Debian orthanc + orthanc-dicomweb) for dicomarchive's
# interoperability test and bench/archive: started on 127.0.0.1 with a
# temporary configuration and storage, no authentication, DICOM port
# on loopback only. Exports RADKIT_ORTHANC_URL (its REST root; the
# DICOMweb plugin answers under $RADKIT_ORTHANC_URL/dicom-web/) and
# RADKIT_ORTHANC_DICOM (host:port of its DICOM listener, AE title ORTHANC).
# shellcheck shell=bash

ORTHANC_DICOMWEB_PLUGIN=/usr/share/orthanc/plugins/libOrthancDicomWeb.so

install_orthanc() {
	need_cmd orthanc Orthanc
	need_cmd curl curl
	if [[ -e $ORTHANC_DICOMWEB_PLUGIN ]]; then
		echo "ok: orthanc-dicomweb ($ORTHANC_DICOMWEB_PLUGIN)"
	else
		echo "missing: $ORTHANC_DICOMWEB_PLUGIN (package orthanc-dicomweb)"
		APT_MISSING+=(orthanc-dicomweb)
	fi
}

start_orthanc() {
	[[ -n ${RADKIT_ORTHANC_URL:-} ]] && { echo "orthanc: using $RADKIT_ORTHANC_URL"; return; }
	ORTHANC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/radkit-orthanc.XXXXXX")
	local http dicom
	http=$(free_port)
	dicom=$(free_port)
	cat >"$ORTHANC_DIR/orthanc.json" <<JSON
{
  "Name": "radkit-test",
  "DicomAet": "ORTHANC",
  "StorageDirectory": "$ORTHANC_DIR/storage",
  "IndexDirectory": "$ORTHANC_DIR/storage",
  "HttpPort": $http,
  "DicomPort": $dicom,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "HttpTimeout": 300,
  "StableAge": 1,
  "KeepAlive": true,
  "TcpNoDelay": true,
  "Plugins": ["$ORTHANC_DICOMWEB_PLUGIN"],
  "DicomWeb": {"Enable": true, "Root": "/dicom-web/", "EnableWado": false, "Servers": {}}
}
JSON
	Orthanc "$ORTHANC_DIR/orthanc.json" >"$ORTHANC_DIR/orthanc.log" 2>&1 &
	ORTHANC_PID=$!
	on_exit stop_orthanc
	local url="http://127.0.0.1:$http" i
	for ((i = 0; i < 100; i++)); do
		if curl -fsS "$url/system" >/dev/null 2>&1; then
			export RADKIT_ORTHANC_URL=$url RADKIT_ORTHANC_DICOM=127.0.0.1:$dicom
			echo "orthanc: $url (pid $ORTHANC_PID, log $ORTHANC_DIR/orthanc.log)"
			return
		fi
		kill -0 "$ORTHANC_PID" 2>/dev/null || break
		sleep 0.2
	done
	cat "$ORTHANC_DIR/orthanc.log" >&2 || true
	die "orthanc did not start"
}

stop_orthanc() {
	if [[ -n ${ORTHANC_PID:-} ]]; then
		kill "$ORTHANC_PID" 2>/dev/null || true
		wait "$ORTHANC_PID" 2>/dev/null || true
	fi
	[[ -n ${ORTHANC_DIR:-} ]] && rm -rf "$ORTHANC_DIR"
}

SERVICE_INSTALLERS+=(install_orthanc)
SERVICE_STARTERS+=(start_orthanc)
