import { ErrorCode } from '@consulta/protocol';
import type { StaffPrincipal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import type { Link } from './link.ts';

export function requireStaffLink(link: Link): StaffPrincipal {
  if (link.principal.kind !== 'staff')
    throw new AppError(ErrorCode.Forbidden, 'Only clinic staff can do this');
  return link.principal;
}
