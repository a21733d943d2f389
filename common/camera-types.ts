/**
 * JSON shapes of the traffic-camera API (issue #17), shared by the server and the web client.
 * Types only.
 */

export type FrameContentType = 'image/jpeg' | 'image/png' | 'image/webp';

/** One camera of `GET /api/cameras`: its site and view, never an image. */
export interface CameraInfo {
  /** The camera's sensor id. */
  id: string;
  external_id: string;
  name: string | null;
  /** [longitude, latitude], WGS84. */
  location: [number, number];
  /** Degrees clockwise from north. */
  heading: number;
  /** Width of the view, degrees. */
  fov: number;
  /** Length of the drawn view cone, metres. */
  range_m: number;
  /** road_links ids in view. */
  links: string[];
  /** An admin opened this camera's frames to the public (`PATCH /api/cameras/{id}`). */
  frames_public: boolean;
  /** The caller may see this camera's images (staff, or frames_public). */
  frames_visible: boolean;
  /** Frames from the demo simulator, not a real camera. */
  simulated: boolean;
  /** Time of the latest retained frame (its age is shown to everyone; the image is not). */
  latest_frame: string | null;
  /** The readings sensors whose source is this camera (its counts). */
  counts: { sensor: string; kind: string; unit: string }[];
}

export interface CameraListResponse {
  cameras: CameraInfo[];
}

/** One retained frame, as `GET /api/cameras/{id}/frames` lists it. */
export interface FrameMeta {
  ts: string;
  content_type: FrameContentType;
  bytes: number;
  /** `GET` this for the image. */
  url: string;
}

/** `GET /api/cameras/{id}/frames?from&to&limit`: oldest first, the newest `limit` of the window. */
export interface FrameListResponse {
  camera: string;
  from: string;
  to: string;
  frames: FrameMeta[];
  /** More frames lay in the window than `limit`; the oldest were left out. */
  truncated: boolean;
}

/** `POST /api/cameras/{id}/frames` answers this once the frame is committed. */
export interface FrameStored {
  camera: string;
  ts: string;
  bytes: number;
  /** False when a frame with this time was already stored (the upload was a repeat). */
  stored: boolean;
  url: string;
}

/** Event `frame` of `GET /api/live`: a new frame was stored (a notice, not the image). */
export interface FrameNotice {
  camera: string;
  ts: string;
  url: string;
}
