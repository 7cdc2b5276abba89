// Web push, shared by the tracking page (a customer's delivery) and the driver app (route changes while
// the app is in the background). Consent is asked only when the person presses the button.

export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** The VAPID public key (base64url) as the bytes PushManager.subscribe wants. */
export function applicationServerKey(base64url) {
  const padded = `${base64url}${'='.repeat((4 - (base64url.length % 4)) % 4)}`.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(padded);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** A browser PushSubscription as the API takes it: {endpoint, keys: {p256dh, auth}}. */
export function subscriptionBody(subscription) {
  const json = subscription.toJSON();
  return { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } };
}

/**
 * Ask for permission, subscribe this browser through the service worker, and return the body to send
 * to the API — or null when the person said no. `get` is the API client's GET.
 */
export async function subscribeThisBrowser(get) {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return null;
  await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  const registration = await navigator.serviceWorker.ready;
  const { public_key: publicKey } = await get('/api/v1/push/vapid-public-key');
  const subscription = await registration.pushManager.getSubscription()
    || await registration.pushManager.subscribe({ userVisibleOnly: true,
      applicationServerKey: applicationServerKey(publicKey) });
  return subscriptionBody(subscription);
}
