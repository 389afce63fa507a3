// Runs Netlify's bundler (zip-it-and-ship-it) over a functions folder, as
// Netlify's build does, and prints what it found: [{name, runtime}].
//   node zisi.mjs SRC DEST
import { zipFunctions } from '@netlify/zip-it-and-ship-it';

const [src, dest] = process.argv.slice(2);
const found = await zipFunctions([src], dest, { basePath: src });
console.log(JSON.stringify(found.map((f) => ({ name: f.name, runtime: f.runtime, path: f.path }))));
