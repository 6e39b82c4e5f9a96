/** Who made a request, as audit entries and session lists record it. */
export interface ClientInfo {
  ip: string;
  userAgent: string;
}
