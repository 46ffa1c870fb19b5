// The clinician's start page: start a consultation, and the list of their consultations.
import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../shared/api.ts';
import { ErrorText } from '../shared/ui.tsx';
import { useClinicianStore } from './store.ts';

export function Dashboard() {
  const { consultations, setConsultations } = useClinicianStore();
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.listConsultations().then(
      (r) => setConsultations(r.consultations),
      (err: Error) => setError(err.message),
    );
  }, [setConsultations]);
  const start = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const c = await api.createConsultation({ body: { title: title.trim() || 'Consultation' } });
      location.hash = `#/consult/${c.id}`;
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      <form className="card form" onSubmit={start} aria-labelledby="new-heading" data-testid="page-dashboard">
        <h1 id="new-heading">New consultation</h1>
        <div className="form-row">
          <label>
            Title
            <input
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              placeholder="e.g. Follow-up"
              maxLength={200}
            />
          </label>
          <button type="submit" className="primary">
            Start consultation
          </button>
        </div>
        <ErrorText error={error} />
      </form>
      <section className="card" aria-labelledby="list-heading">
        <h2 id="list-heading">Your consultations</h2>
        {consultations.length === 0 ? (
          <p className="muted">No consultations yet.</p>
        ) : (
          <ul className="list">
            {consultations.map((c) => (
              <li key={c.id}>
                <span className="grow">{c.title}</span>
                <span className={`badge ${c.status}`}>{c.status.toLowerCase()}</span>
                <span className="muted">{new Date(c.createdAt).toLocaleString()}</span>
                {c.status !== 'ENDED' && (
                  <a href={`#/consult/${c.id}`} aria-label={`Open ${c.title}`}>
                    Open
                  </a>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
