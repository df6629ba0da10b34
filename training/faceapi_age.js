// face-api.js's age net (ageGenderNet, MIT) on raw face crops: `node faceapi_age.js MODULES CROPS N SIDE OUT`.
// CROPS holds N*SIDE*SIDE*3 uint8 RGB bytes (face windows, one after another); OUT gets a JSON object with one age
// per face and the milliseconds per face. MODULES is the folder holding node_modules (make faceapi installs it).
'use strict';

const fs = require('fs');
const path = require('path');

async function main() {
  const [modules, cropsFile, nText, sideText, outFile] = process.argv.slice(2);
  if (!outFile) throw new Error('usage: node faceapi_age.js MODULES CROPS N SIDE OUT');
  const n = Number(nText);
  const side = Number(sideText);
  const need = (name) => require(path.join(path.resolve(modules), 'node_modules', name));
  const tf = need('@tensorflow/tfjs');
  need('@tensorflow/tfjs-backend-wasm');
  const faceapi = need('@vladmandic/face-api/dist/face-api.node-wasm.js');
  await tf.setBackend('wasm');
  await tf.ready();
  const weights = path.join(path.resolve(modules), 'node_modules', '@vladmandic', 'face-api', 'model');
  await faceapi.nets.ageGenderNet.loadFromDisk(weights);
  const bytes = fs.readFileSync(cropsFile);
  if (bytes.length !== n * side * side * 3) {
    throw new Error(`${cropsFile} holds ${bytes.length} bytes, not ${n} crops of ${side}x${side}x3`);
  }
  const ages = [];
  const t0 = performance.now();
  const batch = 32;
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const faces = [];
    for (let k = 0; k < m; k += 1) {
      const one = bytes.subarray((i + k) * side * side * 3, (i + k + 1) * side * side * 3);
      faces.push(tf.tensor3d(Int32Array.from(one), [side, side, 3], 'int32'));
    }
    const result = await faceapi.nets.ageGenderNet.predictAgeAndGender(faces);
    for (const r of (Array.isArray(result) ? result : [result])) ages.push(r.age);
    tf.dispose(faces);
  }
  const ms = (performance.now() - t0) / Math.max(1, n);
  fs.writeFileSync(outFile, JSON.stringify({
    teacher: 'face-api.js ageGenderNet', package: `@vladmandic/face-api ${faceapi.version}`,
    tfjs: tf.version_core, backend: tf.getBackend(), ms_per_face: ms, ages: Array.from(ages),
  }));
}

main().catch((err) => { console.error(`faceapi_age: ${err.message}`); process.exit(1); });
