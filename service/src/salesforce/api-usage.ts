/**
 * The org's API usage as Salesforce reports it on every counted response (`Sforce-Limit-Info: api-usage=N/M`,
 * REST API developer guide, "Limit Info Header").
 */
export interface ApiUsage {
  used: number;
  max: number;
  /** Local time of the response that reported it. */
  at: number;
}

export function parseLimitInfo(header: string | undefined, at: number = Date.now()): ApiUsage | undefined {
  const match = header ? /api-usage=(\d+)\/(\d+)/.exec(header) : null;
  return match ? { used: Number(match[1]), max: Number(match[2]), at } : undefined;
}
