/**
 * Which URLs are "the Hub": the endpoint's own origin, and the official Hub
 * hosts over https, because mirrors such as hf-mirror answer some requests
 * with an absolute redirect to https://huggingface.co (huggingface_hub
 * issue 4637). The token goes to these and nowhere else; anything else
 * (the CDN, a stranger) is another origin.
 */
const OFFICIAL_HUB_HOSTS = new Set(["huggingface.co", "hf.co"]);

/** `endpointOrigin`: `new URL(endpoint).origin`, worked out once by the caller rather than on every request. */
export function isHubUrl(url: string, endpointOrigin: string): boolean {
  const target = new URL(url);
  if (target.origin === endpointOrigin) return true;
  return target.protocol === "https:" && target.port === "" && OFFICIAL_HUB_HOSTS.has(target.hostname);
}
