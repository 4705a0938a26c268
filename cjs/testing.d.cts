// Types for the CommonJS entry of 'uid2-publisher/testing': the same declarations as the ES module build.
// TypeScript's `module: node16` predates require(esm) and reports TS1471 on the next line even with
// Node 20.19+ as the target; `nodenext` (TypeScript 5.8+) accepts it. The types resolve either way.
// @ts-ignore TS1471 under module node16 only
import esm = require('../dist/testing/index.js');
export = esm;
