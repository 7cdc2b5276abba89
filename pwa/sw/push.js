// Web push for the customer's tracking page (imported by sw.js). The server sends JSON
// {title, body, url, kind, eta?} encrypted for this browser's subscription; we show it, and a tap
// opens (or focuses) the tracking page it names. Only pages of this origin are ever opened.

function trackingUrl(raw) {
  try {
    const url = new URL(raw || '/', self.location.origin);
    // A tracking link opens on this origin whatever host the message was written with (the server's
    // PUBLIC_BASE_URL), and names the page as /t/<token> or /track/<token>.
    const tracking = /^\/(?:t|track)\/([A-Za-z0-9_-]{20,64})\/?$/.exec(url.pathname);
    if (tracking) return new URL(`/t/${tracking[1]}`, self.location.origin).href;
    return url.origin === self.location.origin ? url.href : null;
  } catch {
    return null;
  }
}

function messageOf(event) {
  if (!event.data) return {};
  try {
    return event.data.json() || {};
  } catch {
    return { body: event.data.text() };
  }
}

self.addEventListener('push', (event) => {
  const message = messageOf(event);
  const url = trackingUrl(message.url);
  event.waitUntil(self.registration.showNotification(message.title || 'Lastmile', {
    body: message.body || '',
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    // One notification per delivery: a newer message about it replaces the older one.
    tag: url ? `lastmile-track-${new URL(url).pathname}` : 'lastmile',
    renotify: true,
    data: { url },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data?.url || trackingUrl('/');
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((client) => client.url === url);
    if (open) return open.focus();
    return self.clients.openWindow(url);
  })());
});
