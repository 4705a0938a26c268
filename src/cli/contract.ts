export { checkMobileIdentity as mobileContractViolations } from '../testing/mobile-contract.js';
