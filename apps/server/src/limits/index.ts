export { type LimitVerdict, SlidingLimit } from './sliding-limit.ts';
export { TokenBucket } from './token-bucket.ts';
export { waitWords } from './wait-words.ts';
