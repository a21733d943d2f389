import { denied } from './guard';
import { isStaff, type Principal } from './principal';

/**
 * Camera frames are staff-only by default (issue #17): the public sees camera sites and counts,
 * and the images only of cameras an admin made public (`PATCH /api/cameras/{id}`).
 */
export function assertFramesVisible(p: Principal, camera: { framesPublic: boolean }): void {
  if (!camera.framesPublic && !isStaff(p)) throw denied(p, "this camera's frames are for staff");
}
