module.exports = class NodeHttpClient {};
