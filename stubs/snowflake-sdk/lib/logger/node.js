module.exports = class NodeLogger {};
