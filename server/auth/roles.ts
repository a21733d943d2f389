import type { Role } from '../../common/api-types';

export type { Role };

/** Roles from least to most rights (issue #9): each has every right of those before it. */
export const ROLES: readonly Role[] = ['public', 'planner', 'gis', 'admin'];

/** Roles an account can be given from the CLI or the users API (public is "no account"). */
export const ACCOUNT_ROLES = ['planner', 'gis', 'admin'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export const isRole = (value: unknown): value is Role => ROLES.includes(value as Role);

/** True when `role` has at least the rights of `least`. */
export function atLeast(role: Role, least: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(least);
}

/** Staff (planners and up) see staff layers, utility sensors, alerts and maintenance. */
export const isStaffRole = (role: Role): boolean => atLeast(role, 'planner');
