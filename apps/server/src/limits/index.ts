export { type LimitVerdict, SlidingLimit } from './sliding-limit.ts';
export { waitWords } from './wait-words.ts';
