import { DEVICE_REQUESTS, DeviceError, NoGpuError } from "@ln/train";

/**
 * useDevice's errors advise a program (`useDevice("auto")`); at the command line the way out is a flag.
 * The attempts stay, and the library's error is the `cause`. Other errors come back as they are.
 */
export function withFlagAdvice(error: unknown, request: string): unknown {
  if (!(error instanceof DeviceError) || error.attempts.length === 0) return error;
  const gpu = error instanceof NoGpuError;
  const wrapped = new DeviceError(
    request,
    error.attempts,
    gpu
      ? "--device gpu: no GPU backend could be started. Tried"
      : `--device ${request}: no backend could be started`,
    gpu
      ? "Pass --device auto to run on the CPU when no GPU starts, or --device cpu."
      : `Pass --device auto to use the fastest backend that starts, or another of: ${DEVICE_REQUESTS.join(", ")}.`,
  );
  wrapped.cause = error;
  return wrapped;
}
