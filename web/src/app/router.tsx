import { signal } from '@preact/signals';
import type { ComponentChildren, JSX } from 'preact';
import type { Role } from './http';

/** Current location (path + query). Client-side routes; the server answers every such path with index.html. */
export const location$ = signal(window.location.pathname + window.location.search);

/**
 * Counts navigations, including one to the location already shown (a nav link to the current screen),
 * which leaves location$ unchanged: Page moves focus to its heading on each.
 */
export const navigations$ = signal(0);

window.addEventListener('popstate', () => {
  location$.value = window.location.pathname + window.location.search;
  navigations$.value++;
});

export function navigate(to: string, replace = false): void {
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  location$.value = to;
  navigations$.value++;
  window.scrollTo(0, 0);
}

export function queryParam(name: string): string | null {
  return new URL(location$.value, window.location.origin).searchParams.get(name);
}

export function Link(props: { href: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' | undefined }) {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} onClick={onClick} class={props.class} aria-current={props['aria-current']}>
      {props.children}
    </a>
  );
}

export interface RouteProps {
  params: Record<string, string>;
}

export interface RouteDef {
  /** Pattern such as `/patient/records/:recordId`. */
  path: string;
  title: string;
  /** Who may open it; `public` pages need no sign-in. */
  roles: Role[] | 'public' | 'any';
  /** Shown in the navigation bar for these roles. */
  nav?: boolean;
  component: (props: RouteProps) => JSX.Element;
}

export function matchRoute(pattern: string, pathname: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const a = pathname.split('/').filter(Boolean);
  if (p.length !== a.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(a[i]);
    else if (p[i] !== a[i]) return null;
  }
  return params;
}
