// Who is signed in, for every view: the role decides what the desk offers (the API
// decides what is allowed; the desk only avoids offering what would be refused).
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Role, User } from './api/client';

export const SessionContext = createContext<User | null>(null);

export function useMe(): User {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useMe outside a session');
  return me;
}

const RANK: Record<Role, number> = { contributor: 0, author: 1, editor: 2, admin: 3 };

export function atLeast(role: Role, least: Role): boolean {
  return RANK[role] >= RANK[least];
}
