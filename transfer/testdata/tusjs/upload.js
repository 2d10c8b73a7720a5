// Uploads one file to a tus server with tus-js-client (Node), as an
// independent client of radkit's transfer.Receiver. Usage:
//   NODE_PATH=<dir with tus-js-client> node upload.js ENDPOINT FILE [interrupt]
// With "interrupt", the upload is aborted after its first chunk and
// resumed from the server's offset (HEAD), as after a network failure.
// Prints the upload URL on success; exits 1 on error.
'use strict';
const tus = require('tus-js-client');
const fs = require('fs');
const crypto = require('crypto');

const [endpoint, file, mode] = process.argv.slice(2);
const data = fs.readFileSync(file);
const sha256 = crypto.createHash('sha256').update(data).digest('hex');
let interrupted = mode !== 'interrupt';

const upload = new tus.Upload(data, {
  endpoint,
  chunkSize: 64 * 1024,
  retryDelays: [0, 100, 500],
  metadata: { sha256, filetype: 'application/dicom', empty: '' },
  onError(err) {
    console.error('tus-js-client: ' + err);
    process.exit(1);
  },
  onChunkComplete() {
    if (!interrupted) {
      interrupted = true;
      upload.abort().then(() => setTimeout(() => upload.start(), 50));
    }
  },
  onSuccess() {
    console.log(upload.url);
  },
});
upload.start();
