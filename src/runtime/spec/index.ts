// Public surface of the OCI spec layer.
export * from './types.js';
export { SpecError } from './errors.js';
export { validateSpec, validateProcess, validateSeccomp, type ValidateOptions } from './validate.js';
export { parseSpecFile, parseJson } from './json.js';
export { defaultSpec, DEFAULT_OCI_VERSION } from './default.js';
export { CAPABILITIES, CAPABILITY_NAMES, CAP_LAST_CAP, capabilityNumber, isCapability } from './capabilities.js';
export { RLIMITS, NAMESPACE_TYPES, SECCOMP_ACTIONS, SECCOMP_OPERATORS, SECCOMP_ARCHES, SECCOMP_FLAGS } from './constants.js';
