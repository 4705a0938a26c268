/**
 * Types every part of the local operator shares. They live apart from the modules that use them so
 * that no two modules need each other for a type (the import graph of `testing/` stays a tree).
 */

/**
 * Which identity product the operator simulates: UID2 (default) or EUID (TCF consent checked).
 *
 * @example
 * ```ts
 * const op = await startLocalOperator({ scope: 'euid' satisfies OperatorScope });
 * ```
 */
export type OperatorScope = 'uid2' | 'euid';

/**
 * Email or phone: the identity type tokens carry.
 *
 * @example
 * ```ts
 * const type: IdentityType = 'phone';
 * ```
 */
export type IdentityType = 'email' | 'phone';
