import type { Mailer, OutgoingEmail } from './mailer.ts';

/**
 * Sends an email that carries a credential just created (an invite, a new account's link). When it cannot be
 * sent, `undo` removes that credential before the failure is passed on: nobody received it, so nothing of it may
 * stay valid, and the sender can simply try again.
 */
export async function sendOrUndo(
  mailer: Mailer,
  email: OutgoingEmail,
  undo: () => Promise<unknown>,
): Promise<void> {
  try {
    await mailer.send(email);
  } catch (err) {
    await undo();
    throw err;
  }
}
