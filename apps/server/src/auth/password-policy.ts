import { ErrorCode } from '@consulta/protocol';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
import { AppError } from '../errors.ts';

// Why zxcvbn-ts and not a rule such as "8 characters with a digit and a symbol": composition rules accept
// "Password1!" and refuse long passphrases, which is backwards (NIST SP 800-63B §5.1.1.2 asks for a check against
// known-bad passwords instead). zxcvbn-ts estimates the guesses an attacker needs from dictionaries of common
// passwords, names and words, keyboard patterns, dates and l33t, and explains its verdict in words we can show. It
// is the maintained TypeScript successor of Dropbox's zxcvbn.
const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...english.dictionary },
  graphs: common.adjacencyGraphs,
  translations: english.translations,
});

/** zxcvbn's score 3: "safely unguessable: moderate protection from offline slow-hash scenario" (≥ 10^8 guesses). */
const MIN_SCORE = 3;
const MIN_LENGTH = 10;

/**
 * Refuses a new password that is too short or too guessable, with zxcvbn's feedback in the message. The account's
 * own email and name count as known words: "jane.doe2024" is weak for Jane Doe.
 */
export function assertStrongPassword(password: string, personal: string[] = []): void {
  if (password.length < MIN_LENGTH) {
    throw new AppError(
      ErrorCode.WeakPassword,
      `Use at least ${MIN_LENGTH} characters; a few unrelated words make a strong, memorable password.`,
    );
  }
  const words = personal.flatMap((p) => p.toLowerCase().split(/[^a-z0-9]+/)).filter((w) => w.length >= 3);
  const result = zxcvbn.check(password, words);
  if (result.score >= MIN_SCORE) return;
  const advice = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(' ');
  throw new AppError(
    ErrorCode.WeakPassword,
    `This password is too easy to guess. ${advice || 'Add another word or two that are not related to each other.'}`,
  );
}
