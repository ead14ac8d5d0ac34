/**
 * DISTANCE() and GEOLOCATION() (SOQL and SOSL Reference, "Location-Based SOQL Queries",
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_geolocate.htm):
 * the great-circle distance between a location (a geolocation field, or the location of an
 * address) and a fixed point or another location, in 'mi' or 'km'.
 */
const EARTH_RADIUS_KM = 6371.0088;
const KM_PER_MILE = 1.609344;

export interface LatLon {
  latitude: number;
  longitude: number;
}

/** The point of a compound location/address value, or null when it has no coordinates. */
export function pointOf(value: unknown): LatLon | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as { latitude?: unknown; longitude?: unknown };
  return typeof v.latitude === 'number' && typeof v.longitude === 'number'
    ? { latitude: v.latitude, longitude: v.longitude }
    : null;
}

/** Haversine distance in the unit asked for ('mi' or 'km'). */
export function distance(a: LatLon, b: LatLon, unit: 'mi' | 'km'): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  const km = 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
  return unit === 'km' ? km : km / KM_PER_MILE;
}
