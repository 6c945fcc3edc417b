import { signal } from '@preact/signals';

/** A one-time message for the sign-in page after sign-up or recovery ("account created", "password reset"). */
export const loginNotice = signal<string | null>(null);
