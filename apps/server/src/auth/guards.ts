import { ErrorCode, type StaffRole } from '@consulta/protocol';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { GuestPrincipal, Principal, StaffPrincipal } from './principal.ts';

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal)
    throw new AppError(ErrorCode.Unauthenticated, 'Sign in or open your invite link first');
  return request.principal;
}

export function requireStaff(request: FastifyRequest, ...roles: StaffRole[]): StaffPrincipal {
  const p = requirePrincipal(request);
  if (p.kind !== 'staff') throw new AppError(ErrorCode.Forbidden, 'This action is for clinic staff');
  if (roles.length > 0 && !roles.includes(p.role))
    throw new AppError(ErrorCode.Forbidden, 'Your role cannot do this');
  return p;
}

export function requireGuest(request: FastifyRequest): GuestPrincipal {
  const p = requirePrincipal(request);
  if (p.kind !== 'guest') throw new AppError(ErrorCode.Forbidden, 'This action is for invited guests');
  return p;
}
