import { type Static, Type } from 'typebox';

/**
 * The link probe: a joined client measures its access link's capacity by downloading (GET) and uploading (POST,
 * application/octet-stream) a few megabytes over HTTP, since congestion-control estimates only show what a call
 * happens to send. The routing policy plans with these figures (docs/routing.md). Routes: `Routes.linkProbeDownload`
 * and `Routes.linkProbeUpload`.
 */

/** Largest transfer one probe request may ask for or send, bytes. */
export const LINK_PROBE_MAX_BYTES = 8 * 1024 * 1024;

export const LinkProbeQuery = Type.Object(
  { bytes: Type.Integer({ minimum: 1, maximum: LINK_PROBE_MAX_BYTES }) },
  { additionalProperties: false },
);
export type LinkProbeQuery = Static<typeof LinkProbeQuery>;

/** Reply to an upload: what arrived and how long it took from its first byte to its last, as the server saw it. */
export const LinkProbeUploadReply = Type.Object({
  bytes: Type.Integer({ minimum: 0 }),
  ms: Type.Number({ minimum: 0 }),
});
export type LinkProbeUploadReply = Static<typeof LinkProbeUploadReply>;
