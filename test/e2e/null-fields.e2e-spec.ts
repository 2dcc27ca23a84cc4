import { describeEachDatabase } from './support/databases';
import { admin, createAccount } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

type Schema = { $ref?: string; allOf?: Schema[]; properties?: Record<string, Schema> };

/**
 * SECURITY.md G2 for `null`: class-validator's IsOptional lets a null through as if the field were left out,
 * so a DTO field that is optional but not nullable handed `null` to the service (`{"role": null}` on PATCH
 * /users/{id} was a 500). Every body property of every operation of the app's own /docs-json, and every
 * property of an object-valued one, is sent as `null` alone, by the global admin key at a real account and
 * user: each answer is a 4xx or a 2xx, never a 5xx.
 */
describeEachDatabase('A null in any body field is never a 5xx', (kind) => {
  let t: TestApp;
  withAppAndSmtp(kind, (app) => {
    t = app;
  });

  it('G2 null for each property of every JSON request body, one at a time, at real targets', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>; components: { schemas: Record<string, Schema> } };
    const resolve = (s: Schema | undefined): Schema | undefined => (s?.$ref ? doc.components.schemas[s.$ref.split('/').pop()!] : s?.allOf ? resolve(s.allOf[0]) : s);
    const { accountId, ownerId } = await createAccount(t);
    const bodies: Array<{ method: string; path: string; body: Record<string, unknown>; field: string }> = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const schema = resolve(op.requestBody?.content?.['application/json']?.schema);
        for (const [prop, propSchema] of Object.entries(schema?.properties ?? {})) {
          bodies.push({ method, path, body: { [prop]: null }, field: prop });
          for (const sub of Object.keys(resolve(propSchema)?.properties ?? {})) bodies.push({ method, path, body: { [prop]: { [sub]: null } }, field: `${prop}.${sub}` });
        }
      }
    }
    expect(bodies.length).toBeGreaterThan(60);
    const failures: string[] = [];
    for (const { method, path, body, field } of bodies) {
      // A parameter names its target by itself (`{userId}`) or by the segment before it (`/users/{id}`).
      const url = path.replace(/([\w-]*)\/\{(\w+)\}/g, (_m, segment: string, p: string) => {
        const target = /account/i.test(p) || (p === 'id' && /account/i.test(segment)) ? accountId : /user/i.test(p) || (p === 'id' && /user/i.test(segment)) ? ownerId : '00000000-0000-4000-8000-000000000000';
        return `${segment}/${target}`;
      });
      const res = await (t.http as unknown as Record<string, (u: string) => { set(h: object): { send(b: object): Promise<{ status: number; text: string }> } }>)[method](url).set(admin).send(body);
      if (res.status >= 500) failures.push(`${method.toUpperCase()} ${path} ${field}: ${res.status} ${res.text.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
