// Unit tests of the recorder's pure parts: the SDP handed to FFmpeg, the progress reader, the remux plan, the RTCP
// BYE bytes and the port-range split. The pipeline end to end is tests/sfu/recording-pipeline.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitRange } from './ports.ts';
import { progressReader, showsMedia } from './progress.ts';
import { ENDED_TAG, MIXED_AUDIO_TITLE, remuxPlan } from './remux.ts';
import { rtcpBye } from './rtcp-bye.ts';
import { isRecordable, recorderRtpCapabilities, recorderSdp } from './sdp.ts';

describe('recorder SDP', () => {
  test('writes the payload type, clock rate, channels and fmtp the consumer negotiated', () => {
    const sdp = recorderSdp({
      kind: 'audio',
      address: '127.0.0.1',
      rtpPort: 40600,
      rtcpPort: 40601,
      codec: {
        mimeType: 'audio/opus',
        payloadType: 100,
        clockRate: 48000,
        channels: 2,
        parameters: { minptime: 10, useinbandfec: 1 },
      },
    });
    const lines = sdp.split('\r\n');
    assert.ok(lines.includes('c=IN IP4 127.0.0.1'));
    assert.ok(lines.includes('m=audio 40600 RTP/AVP 100'));
    assert.ok(lines.includes('a=rtcp:40601'));
    assert.ok(lines.includes('a=rtpmap:100 opus/48000/2'));
    assert.ok(lines.includes('a=fmtp:100 minptime=10;useinbandfec=1'));
  });

  test('video has no channel count and no fmtp line without parameters', () => {
    const sdp = recorderSdp({
      kind: 'video',
      address: '127.0.0.1',
      rtpPort: 40602,
      rtcpPort: 40603,
      codec: { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000, parameters: {} },
    });
    assert.match(sdp, /\r\nm=video 40602 RTP\/AVP 101\r\n/);
    assert.match(sdp, /\r\na=rtpmap:101 VP8\/90000\r\n/);
    assert.doesNotMatch(sdp, /a=fmtp/);
  });

  test('consumer capabilities: only the producer codec as the router offers it, no RTX, feedback or extensions', () => {
    const router = {
      rtpCapabilities: {
        codecs: [
          {
            kind: 'audio' as const,
            mimeType: 'audio/opus',
            preferredPayloadType: 100,
            clockRate: 48000,
            channels: 2,
          },
          {
            kind: 'video' as const,
            mimeType: 'video/VP8',
            preferredPayloadType: 101,
            clockRate: 90000,
            rtcpFeedback: [{ type: 'nack' }],
          },
          { kind: 'video' as const, mimeType: 'video/rtx', preferredPayloadType: 102, clockRate: 90000 },
        ],
        headerExtensions: [],
      },
    };
    const caps = recorderRtpCapabilities(router, 'video/vp8');
    assert.deepEqual(
      caps?.codecs?.map((c) => [c.mimeType, c.preferredPayloadType, c.rtcpFeedback]),
      [['video/VP8', 101, []]],
    );
    assert.deepEqual(caps?.headerExtensions, []);
    assert.equal(recorderRtpCapabilities(router, 'video/H264'), null);
    assert.ok(isRecordable('video/VP8') && isRecordable('audio/opus'));
    assert.ok(!isRecordable('video/H264'));
  });
});

describe('FFmpeg progress', () => {
  test('yields complete blocks only, across chunk boundaries', () => {
    const blocks: Record<string, string>[] = [];
    const feed = progressReader((b) => blocks.push(b));
    feed('frame=0\nout_time_us=0\nprogress=cont');
    assert.equal(blocks.length, 0);
    feed('inue\nframe=3\nout_ti');
    feed('me_us=200000\nprogress=end\n');
    assert.deepEqual(blocks, [
      { frame: '0', out_time_us: '0', progress: 'continue' },
      { frame: '3', out_time_us: '200000', progress: 'end' },
    ]);
  });

  test('media shows as a frame for video and as output time for audio', () => {
    assert.equal(showsMedia({ frame: '0', out_time_us: '40000' }, 'video'), false);
    assert.equal(showsMedia({ frame: '1' }, 'video'), true);
    assert.equal(showsMedia({ out_time_us: '0' }, 'audio'), false);
    assert.equal(showsMedia({ out_time_us: 'N/A' }, 'audio'), false);
    assert.equal(showsMedia({ out_time_us: '20000' }, 'audio'), true);
  });
});

describe('remux plan', () => {
  const input = (trackId: string, kind: 'audio' | 'video', offsetMs: number) => ({
    trackId,
    participantId: `p-${trackId}`,
    displayName: `Name ${trackId}`,
    kind,
    path: `/w/${trackId}.mkv`,
    offsetMs,
  });

  test('stream 0 mixes every audio track; each track follows, copied at its offset', () => {
    const plan = remuxPlan([input('a1', 'audio', 0), input('v1', 'video', 420), input('a2', 'audio', 1500)]);
    const args = plan.args.join(' ');
    assert.match(
      args,
      /-itsoffset 0\.000 -f matroska -i pipe:4 -itsoffset 0\.420 -f matroska -i pipe:5 -itsoffset 1\.500 -f matroska -i pipe:6/,
    );
    assert.match(
      args,
      /\[0:0\]aresample=async=1:first_pts=0\[a0\];\[2:0\]aresample=async=1:first_pts=0\[a2\];/,
    );
    assert.match(args, /\[a0\]\[a2\]amix=inputs=2:duration=longest:normalize=0\[mix\]/);
    assert.match(args, /-map \[mix\] -c:0 libopus/);
    assert.ok(args.includes(`-metadata:s:0 title=${MIXED_AUDIO_TITLE} -disposition:0 default`));
    assert.match(args, /-map 1:0 -c:2 copy -metadata:s:2 title=Name v1 \(video\)/);
    assert.match(args, /-disposition:2 default/);
    assert.match(args, /-disposition:1 0/);
    assert.deepEqual(
      [...plan.streamIndex],
      [
        ['a1', 1],
        ['v1', 2],
        ['a2', 3],
      ],
    );
    assert.equal(plan.mixedAudioStreamIndex, 0);
    // Decrypted tracks come in through pipes; the WebM goes out through stdout to be sealed: no plaintext on disk.
    assert.ok(!args.includes('/w/'));
    assert.deepEqual(plan.args.slice(-5), ['-progress', 'pipe:3', '-f', 'webm', 'pipe:1']);
  });

  test('without audio there is no mix; a single audio track is padded, not mixed', () => {
    const videoOnly = remuxPlan([input('v1', 'video', 0)]);
    assert.equal(videoOnly.mixedAudioStreamIndex, null);
    assert.ok(!videoOnly.args.includes('-filter_complex'));
    assert.equal(videoOnly.streamIndex.get('v1'), 0);
    const oneAudio = remuxPlan([input('a1', 'audio', 0)]);
    const graph = oneAudio.args[oneAudio.args.indexOf('-filter_complex') + 1];
    assert.equal(graph, '[0:0]aresample=async=1:first_pts=0[a0];[a0]anull[mix]');
  });

  test('the streams of a participant who withdrew say so; the others carry no such tag', () => {
    const plan = remuxPlan([
      { ...input('a1', 'audio', 0), endedBy: 'consent-withdrawn' },
      { ...input('v1', 'video', 0), endedBy: 'consent-withdrawn' },
      input('a2', 'audio', 0),
    ]);
    const args = plan.args.join(' ');
    assert.ok(args.includes(`-metadata:s:1 ${ENDED_TAG}=consent-withdrawn`));
    assert.ok(args.includes(`-metadata:s:2 ${ENDED_TAG}=consent-withdrawn`));
    assert.ok(!args.includes(`-metadata:s:3 ${ENDED_TAG}`));
  });
});

describe('RTCP BYE and ports', () => {
  test('BYE is a 12-byte RTCP packet of type 203 naming the SSRC', () => {
    const bye = rtcpBye(0xdeadbeef);
    assert.equal(bye.length, 12);
    assert.equal(bye[0], 0x81);
    assert.equal(bye[1], 203);
    assert.equal(bye.readUInt16BE(2), 2);
    assert.equal(bye.readUInt32BE(4), 0xdeadbeef);
    assert.equal(bye.subarray(9, 12).toString(), 'end');
  });

  test('the port range splits into disjoint halves for the worker and for FFmpeg', () => {
    assert.deepEqual(splitRange({ min: 40000, max: 40999 }), {
      transports: { min: 40000, max: 40499 },
      ffmpeg: { min: 40500, max: 40999 },
    });
  });
});
