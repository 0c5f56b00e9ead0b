import { describe, expect, test } from "bun:test";
import { ExitCode } from "../../src/errors.ts";
import { MirrorAccessError, MirrorError } from "../../src/mirror/errors.ts";
import { mirrorRefusalError, s3ErrorOf } from "../../src/mirror/mirror-response.ts";

const MIRROR = "s3://fleet/hf";
const KEY = "manifests/model/acme/encoder/0123.json";

describe("a mirror's refusal, in words", () => {
  test("a missing object is not an error: the mirror lacks it", () => {
    expect(mirrorRefusalError({ status: 404, code: "NoSuchKey" }, MIRROR, KEY)).toBeUndefined();
    expect(mirrorRefusalError({ status: 404 }, "https://models.example.com/hf", KEY)).toBeUndefined();
  });

  test("wrong credentials: exit 5, naming the mirror, the object, the code and the variables to check", () => {
    const error = mirrorRefusalError({ status: 403, ...s3ErrorOf("<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>") }, MIRROR, KEY);
    expect(error).toBeInstanceOf(MirrorAccessError);
    expect((error as MirrorAccessError).exitCode).toBe(ExitCode.accessDenied);
    expect(error?.message).toBe(
      `mirror ${MIRROR} (${KEY}) refused access (SignatureDoesNotMatch: The request signature we calculated does not match): check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)`,
    );
  });

  test("a policy refusal, clock skew, a wrong region and a missing bucket each say what to fix", () => {
    expect(mirrorRefusalError({ status: 403, code: "AccessDenied", message: "Access Denied" }, MIRROR, KEY)?.message).toContain("pullers need s3:GetObject");
    const skew = mirrorRefusalError({ status: 403, code: "RequestTimeTooSkewed", message: "The difference between the request time and the server's time is too large." }, MIRROR, KEY);
    expect(skew?.message).toContain("this machine's clock differs too much from the server's");
    const region = mirrorRefusalError({ status: 301, ...s3ErrorOf("<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Region>eu-west-1</Region></Error>") }, MIRROR, KEY);
    expect(region).toBeInstanceOf(MirrorError);
    expect(region?.message).toContain("wrong region or endpoint");
    expect(region?.message).toContain("(the bucket is in eu-west-1)");
    expect(region?.message).toContain("set S3_REGION");
    expect(mirrorRefusalError({ status: 404, code: "NoSuchBucket" }, MIRROR, KEY)?.message).toContain(`The bucket of mirror ${MIRROR} does not exist`);
  });
});
