/** The ADMIN_API_KEY of every service a test starts (in-process or built): a key with scope `admin`. */
export const ADMIN_KEY = 'test-admin-key-0123456789abcdef0123456789';
