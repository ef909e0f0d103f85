// The same through require(), for CommonJS users: errors and devices.
const { DivergedError, NoGpuError, useDevice } = require("@ln/train");

if (new NoGpuError([]).name !== "NoGpuError" || DivergedError.name !== "DivergedError")
  throw new Error("errors");
useDevice("cpu").then((device) => {
  if (device.kind !== "cpu") throw new Error(`useDevice('cpu') gave ${JSON.stringify(device)}`);
  console.log(`ok @ln/train cjs (${device.backend})`);
});
