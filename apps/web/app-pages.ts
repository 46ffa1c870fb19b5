// The HTML shell of each web app, from one template: the apps differ only in title, icon and entry script, so
// their pages cannot drift apart. The pages exist only in the build: this plugin answers for
// apps/web/<app>/index.html, and Vite then bundles its icon and script as it would for a file on disk.
import path from 'node:path';
import type { Plugin } from 'vite';

interface AppPage {
  /** After "Consulta · " in the tab. */
  title: string;
  /** src/shared/icons/<icon>.svg */
  icon: string;
  /** src/<entry>/main.tsx */
  entry: string;
}

/** By the folder the server serves the app from (dist/<app>/index.html). */
const APPS: Record<string, AppPage> = {
  clinician: { title: 'Clinician', icon: 'clinician', entry: 'clinician' },
  join: { title: 'Your consultation', icon: 'patient', entry: 'patient' },
  admin: { title: 'Admin', icon: 'admin', entry: 'admin' },
};

function shell(page: AppPage): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <link rel="icon" type="image/svg+xml" href="../src/shared/icons/${page.icon}.svg" />
    <title>Consulta · ${page.title}</title>
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="/src/${page.entry}/main.tsx"></script>
  </body>
</html>
`;
}

/** The build's inputs (one page per app, under `root`) and the plugin that writes them. */
export function appPages(root: string): { input: Record<string, string>; plugin: Plugin } {
  const byPath = new Map(
    Object.entries(APPS).map(([app, page]) => [path.join(root, app, 'index.html'), page]),
  );
  return {
    input: Object.fromEntries(Object.keys(APPS).map((app) => [app, path.join(root, app, 'index.html')])),
    plugin: {
      name: 'consulta:app-pages',
      enforce: 'pre',
      resolveId: (id) => (byPath.has(id) ? id : null),
      load(id) {
        const page = byPath.get(id);
        return page ? shell(page) : null;
      },
    },
  };
}
