// Runs one handler under lambda-local (the reference Lambda emulator) and
// prints its result as JSON.   node lambda-local.cjs FILE EVENT_JSON
const lambdaLocal = require('lambda-local');

const [file, eventJson] = process.argv.slice(2);
lambdaLocal
  .execute({
    event: JSON.parse(eventJson),
    lambdaPath: file,
    lambdaHandler: 'handler',
    timeoutMs: 10000,
    verboseLevel: 0,
  })
  .then((result) => console.log(JSON.stringify(result)))
  .catch((err) => {
    console.log(JSON.stringify({ error: String(err && err.stack || err) }));
    process.exit(1);
  });
