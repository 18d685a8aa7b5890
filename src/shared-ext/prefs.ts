// What the options page lets an admin choose about notifications. Kept by the background; the
// options page reads and writes it only through the message map (getPrefs / setPrefs).
export interface NotificationPrefs {
  inbox: boolean;
  guardDecision: boolean;
  revokedByClose: boolean;
  firstAccess: boolean;
  /** An admin decided a product access request I made or that is for me. */
  requestDecision: boolean;
  badge: boolean;
}

export const DEFAULT_NOTIFICATION_PREFS: NotificationPrefs = { inbox: true, guardDecision: true, revokedByClose: true, firstAccess: true, requestDecision: true, badge: true };

export interface Prefs {
  notifications: NotificationPrefs;
  /** The org's admin console (a notification's click opens a page there); unset: the vendor's default. */
  consoleUrl?: string;
}
