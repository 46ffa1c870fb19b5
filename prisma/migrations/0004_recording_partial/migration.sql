-- A recording cut short by a failure (the media worker died, a track's FFmpeg exited) keeps the file written up
-- to that moment and says so: PARTIAL, with its duration, instead of FAILED (which now means: no file at all).
ALTER TYPE "RecordingStatus" ADD VALUE 'PARTIAL' AFTER 'COMPLETE';
