import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlackError } from '../../src/domain/errors.ts';
import { parseApiRequest, type RawApiRequest } from '../../src/webapi/parse.ts';

const FORM = 'application/x-www-form-urlencoded';
const req = (over: Partial<RawApiRequest>): RawApiRequest => ({ httpMethod: 'POST', query: '', contentType: undefined, body: undefined, authorization: undefined, ...over });
const body = (text: string | Buffer) => (typeof text === 'string' ? Buffer.from(text) : text);
const errorOf = (r: RawApiRequest): string | null => {
  try {
    parseApiRequest(r);
    return null;
  } catch (e) {
    assert.ok(e instanceof SlackError, String(e));
    return e.code;
  }
};

test('request errors, in a table', () => {
  const cases: Array<[string, RawApiRequest, string | null]> = [
    ['GET with a query string', req({ httpMethod: 'GET', query: 'a=1&b=two' }), null],
    ['POST with no body and no type', req({}), null],
    ['POST body without Content-Type', req({ body: body('a=1') }), 'missing_post_type'],
    ['POST with an empty Content-Type', req({ contentType: '  ', body: body('a=1') }), 'missing_post_type'],
    ['unsupported type', req({ contentType: 'application/xml', body: body('<a/>') }), 'invalid_post_type'],
    ['type with no subtype', req({ contentType: 'garbage', body: body('a') }), 'invalid_post_type'],
    ['unsupported charset', req({ contentType: 'application/json; charset=utf-16', body: body('{}') }), 'invalid_charset'],
    ['latin-1 accepted', req({ contentType: `${FORM}; charset=iso-8859-1`, body: Buffer.from([0x61, 0x3d, 0xe9]) }), null],
    ['bad percent escape', req({ contentType: FORM, body: body('a=%E9%ZZ') }), 'invalid_form_data'],
    ['invalid UTF-8 bytes', req({ contentType: FORM, body: Buffer.from([0x61, 0x3d, 0xff, 0xfe]) }), 'invalid_form_data'],
    ['multipart without boundary', req({ contentType: 'multipart/form-data', body: body('x') }), 'invalid_form_data'],
    ['multipart with a broken part', req({ contentType: 'multipart/form-data; boundary=XX', body: body('--XX\r\nnope\r\n--XX--') }), 'invalid_form_data'],
    ['invalid JSON', req({ contentType: 'application/json; charset=utf-8', body: body('{"a":') }), 'invalid_json'],
    ['JSON array', req({ contentType: 'application/json; charset=utf-8', body: body('[1,2]') }), 'json_not_object'],
    ['JSON string', req({ contentType: 'application/json; charset=utf-8', body: body('"x"') }), 'json_not_object'],
    ['JSON nested 65 deep', req({ contentType: 'application/json', body: body('{"a":' + '['.repeat(65) + ']'.repeat(65) + '}') }), 'invalid_json'],
    ['JSON nested 60 deep', req({ contentType: 'application/json', body: body('{"a":' + '['.repeat(60) + ']'.repeat(60) + '}') }), null],
    ['brackets inside JSON strings do not count', req({ contentType: 'application/json', body: body(JSON.stringify({ a: '['.repeat(500) })) }), null],
    ['argument name with a dash', req({ httpMethod: 'GET', query: 'bad-name=1' }), 'invalid_arg_name'],
    ['argument name of 101 characters', req({ httpMethod: 'GET', query: `${'a'.repeat(101)}=1` }), 'invalid_arg_name'],
    ['argument name of 100 characters', req({ httpMethod: 'GET', query: `${'a'.repeat(100)}=1` }), null],
    ['empty argument name', req({ httpMethod: 'GET', query: '=1' }), 'invalid_arg_name'],
    ['JSON key with a space', req({ contentType: 'application/json', body: body('{"a b":1}') }), 'invalid_arg_name'],
    ['array syntax', req({ httpMethod: 'GET', query: 'a[]=1' }), 'invalid_array_arg'],
    ['indexed array syntax', req({ contentType: FORM, body: body('channels[0]=C1') }), 'invalid_array_arg'],
    ['repeated argument', req({ httpMethod: 'GET', query: 'a=1&a=2' }), 'invalid_array_arg'],
    ['same argument in query and body', req({ query: 'a=1', contentType: FORM, body: body('a=2') }), 'invalid_array_arg'],
    ['501 arguments', req({ contentType: FORM, body: body(Array.from({ length: 501 }, (_, i) => `a${i}=1`).join('&')) }), 'invalid_arguments'],
    ['bad escape in the query string', req({ httpMethod: 'GET', query: 'a=%zz' }), 'invalid_arguments'],
    ['header and argument tokens differ', req({ httpMethod: 'GET', query: 'token=xoxb-1', authorization: 'Bearer xoxb-2' }), 'invalid_auth'],
  ];
  for (const [name, request, expected] of cases) assert.equal(errorOf(request), expected, name);
});

test('arguments from query and body mix; form decoding; JSON nulls mean the default', () => {
  const form = parseApiRequest(req({ query: 'limit=5', contentType: FORM, body: body('text=hello+world%21&cursor=') }));
  assert.deepEqual({ ...form.args }, { limit: '5', text: 'hello world!', cursor: '' });
  const json = parseApiRequest(req({ contentType: 'application/json; charset=utf-8', body: body('{"channel":"C1","limit":null,"blocks":[{"type":"divider"}],"n":3}') }));
  assert.deepEqual({ ...json.args }, { channel: 'C1', blocks: [{ type: 'divider' }], n: 3 });
  const latin = parseApiRequest(req({ contentType: `${FORM}; charset=iso-8859-1`, body: Buffer.from('name=Jos%E9') }));
  assert.equal(latin.args['name'], 'José');
  const multipart = parseApiRequest(
    req({ contentType: 'multipart/form-data; boundary=----b', body: body('------b\r\nContent-Disposition: form-data; name="channel"\r\n\r\nC123\r\n------b\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi\r\nthere\r\n------b--\r\n') }),
  );
  assert.deepEqual({ ...multipart.args }, { channel: 'C123', text: 'hi\r\nthere' });
});

test('tokens come from the Bearer header or a token argument, never from a JSON body', () => {
  assert.equal(parseApiRequest(req({ authorization: 'Bearer xoxb-abc' })).token, 'xoxb-abc');
  assert.equal(parseApiRequest(req({ authorization: 'bearer xoxb-abc' })).token, undefined, 'the scheme is case-sensitive');
  assert.equal(parseApiRequest(req({ contentType: FORM, body: body('token=xoxp-1') })).token, 'xoxp-1');
  const inQuery = parseApiRequest(req({ httpMethod: 'GET', query: 'token=xoxp-1' }));
  assert.equal(inQuery.token, 'xoxp-1');
  assert.equal(inQuery.tokenInQuery, true);
  assert.equal(parseApiRequest(req({ contentType: 'application/json', body: body('{"token":"xoxp-1"}') })).token, undefined);
  assert.equal(parseApiRequest(req({ authorization: 'Bearer xoxb-1', httpMethod: 'GET', query: 'token=xoxb-1' })).token, 'xoxb-1');
  assert.equal(parseApiRequest(req({ authorization: 'Basic YTpi' })).basicAuthorization, 'Basic YTpi');
  assert.equal(parseApiRequest(req({ httpMethod: 'GET', query: 'a=1' })).args['token'], undefined);
});

test('warnings: missing_charset and superfluous_charset', () => {
  assert.deepEqual(parseApiRequest(req({ contentType: 'application/json', body: body('{}') })).warnings, ['missing_charset']);
  assert.deepEqual(parseApiRequest(req({ contentType: 'text/plain', body: body('a=1') })).warnings, ['missing_charset']);
  assert.deepEqual(parseApiRequest(req({ contentType: `${FORM}; charset=utf-8`, body: body('a=1') })).warnings, ['superfluous_charset']);
  assert.deepEqual(parseApiRequest(req({ contentType: FORM, body: body('a=1') })).warnings, []);
  assert.deepEqual(parseApiRequest(req({ contentType: 'application/json; charset=utf-8', body: body('{}') })).warnings, []);
});
