// How busy the machine is, for the tests that check a speed target only while there is CPU to measure it with.
import { availableParallelism, loadavg } from 'node:os';

/** Runnable tasks per core (the 1-minute load average over the cores). */
export const loadPerCore = (): number => loadavg()[0]! / Math.max(1, availableParallelism());

/** At most this many runnable tasks per core, a timing is the code's, not the machine's queue. */
export const SPARE_CPU_PER_CORE = 1.5;

/** Above this many per core, browsers and servers stall mid-measurement: even coarse timings read the machine. */
export const STARVED_CPU_PER_CORE = 4;
