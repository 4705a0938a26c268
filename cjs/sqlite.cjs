// CommonJS entry for 'uid2-publisher/sqlite': hands over the ES module build through Node's require(esm)
// (unflagged on Node 20.19+ and 22.12+), so require() and import share one module instance and
// `instanceof Uid2Error` holds across both. Nothing is duplicated or transpiled.
module.exports = require('../dist/state/sqlite.js');
