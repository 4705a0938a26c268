/** The identity fields in the order the operator writes them (PROTOCOL.md §5.1). */
export const OPERATOR_IDENTITY_FIELDS = [
  'advertising_token',
  'refresh_token',
  'identity_expires',
  'refresh_expires',
  'refresh_from',
  'refresh_response_key',
];
