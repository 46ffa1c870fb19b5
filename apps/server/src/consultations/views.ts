import type {
  Consultation as ConsultationView,
  Invite as InviteView,
  Participant as ParticipantView,
  Topology,
} from '@consulta/protocol';
import type { Consultation, Invite, Participant, User } from '../db/index.ts';

// Database rows -> wire shapes. Token hashes and password hashes never leave through here.

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function consultationView(
  c: Consultation & { clinician: Pick<User, 'id' | 'displayName'> },
): ConsultationView {
  return {
    id: c.id,
    title: c.title,
    status: c.status,
    clinician: { id: c.clinician.id, displayName: c.clinician.displayName },
    scheduledFor: iso(c.scheduledFor),
    startedAt: iso(c.startedAt),
    endedAt: iso(c.endedAt),
    createdAt: c.createdAt.toISOString(),
    topology: (c.topology as Topology | null) ?? null,
    personalDataErasedAt: iso(c.personalDataErasedAt),
  };
}

export function inviteView(i: Invite): InviteView {
  if (i.role === 'CLINICIAN' || i.role === 'ADMIN') throw new Error(`invite ${i.id} has a staff role`);
  return {
    id: i.id,
    email: i.email,
    displayName: i.displayName,
    role: i.role,
    expiresAt: i.expiresAt.toISOString(),
    revokedAt: iso(i.revokedAt),
    openedAt: iso(i.openedAt),
  };
}

export function participantView(p: Participant): ParticipantView {
  return {
    id: p.id,
    displayName: p.displayName,
    role: p.role,
    admission: p.admission,
    joinedAt: iso(p.joinedAt),
    leftAt: iso(p.leftAt),
  };
}
