/** A bad setting; the message names it. deskgate exits 2 with the message. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
