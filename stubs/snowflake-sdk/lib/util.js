module.exports = { driverVersion: "0.0.0-stub" };
