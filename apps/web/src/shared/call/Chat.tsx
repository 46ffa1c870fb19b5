// Text chat over the signaling channel. The server echoes every message to the whole room, sender included, so
// the log shows exactly what the others received, in the server's order. A line not yet echoed shows below the
// log as "Sending…" (the engine resends it after a reconnect) until its echo takes its place.
import type { ChatLine } from '@consulta/call-engine';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import type { ChatEntry } from '../store.ts';

/** The protocol's limit for one chat message (ClientMessage `chat.text`). */
const MAX_CHAT = 2000;

export function ChatPanel(props: {
  entries: ChatEntry[];
  sending: ChatLine[];
  selfId: string | null;
  names: ReadonlyMap<string, string>;
  canSend: boolean;
  onSend(text: string): void;
}) {
  const [text, setText] = useState('');
  const logRef = useRef<HTMLOListElement>(null);
  const headingId = useId();
  const inputId = useId();
  const count = props.entries.length + props.sending.length;

  // Keep the newest message in view unless the reader scrolled back up.
  useEffect(() => {
    const log = logRef.current;
    if (!log || count === 0) return;
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    const ownLast = props.sending.length > 0 || props.entries.at(-1)?.from === props.selfId;
    if (nearBottom || ownLast) log.scrollTop = log.scrollHeight;
  }, [count, props.entries, props.sending, props.selfId]);

  const send = (e: FormEvent) => {
    e.preventDefault();
    const message = text.trim();
    if (!message || !props.canSend) return;
    props.onSend(message);
    setText('');
  };
  const nameOf = (id: string) => (id === props.selfId ? 'You' : (props.names.get(id) ?? 'Participant'));

  return (
    <section className="card chat" aria-labelledby={headingId} data-testid="chat">
      <h2 id={headingId}>Chat</h2>
      <ol className="chat-log" role="log" aria-live="polite" aria-labelledby={headingId} ref={logRef}>
        {count === 0 && <li className="muted">No messages yet. Messages are not kept after the call.</li>}
        {props.entries.map((m) => (
          <li key={m.seq} className={m.from === props.selfId ? 'mine' : undefined}>
            <span className="chat-from">{nameOf(m.from)}</span>{' '}
            <time className="muted" dateTime={m.at}>
              {new Date(m.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
            </time>
            <p className="chat-text">{m.text}</p>
          </li>
        ))}
        {props.sending.map((m) => (
          <li key={`sending-${m.id}`} className="mine sending" data-testid="chat-sending">
            <span className="chat-from">You</span> <span className="muted">Sending…</span>
            <p className="chat-text">{m.text}</p>
          </li>
        ))}
      </ol>
      <form className="chat-form" onSubmit={send}>
        <label htmlFor={inputId}>Message</label>
        <div className="chat-row">
          <input
            id={inputId}
            value={text}
            maxLength={MAX_CHAT}
            autoComplete="off"
            disabled={!props.canSend}
            onChange={(e) => setText(e.target.value)}
          />
          <button type="submit" className="primary" disabled={!props.canSend || text.trim() === ''}>
            Send
          </button>
        </div>
      </form>
    </section>
  );
}
