import { describe, expect, test } from "bun:test";
import { defaultConfigPath, wantsMinimalModels } from "../../src/config/default-path.ts";

const full = "/repo/config/model_manager/models.yaml";
const minimal = "/repo/config/model_manager/models.minimal.yaml";

describe("CI_MINIMAL_MODELS selects the minimal configuration", () => {
  const cases: [string | undefined, string][] = [
    ["true", minimal],
    ["TRUE", minimal],
    ["True", minimal],
    ["1", minimal],
    ["yes", minimal],
    ["YES", minimal],
    ["Yes", minimal],
    [undefined, full],
    ["", full],
    ["false", full],
    ["0", full],
    ["no", full],
    ["on", full],
    ["y", full],
    ["2", full],
    [" true", full],
    ["true ", full],
  ];
  for (const [value, expected] of cases) {
    test(`${value === undefined ? "unset" : JSON.stringify(value)} → ${expected.endsWith("minimal.yaml") ? "minimal" : "full"}`, () => {
      const env = value === undefined ? {} : { CI_MINIMAL_MODELS: value };
      expect(defaultConfigPath(env, "/repo")).toBe(expected);
      expect(wantsMinimalModels(env)).toBe(expected === minimal);
    });
  }
});

test("the path is resolved against the working directory given", () => {
  expect(defaultConfigPath({}, "/other/dir/")).toBe("/other/dir/config/model_manager/models.yaml");
});

test("other variables do not matter", () => {
  expect(defaultConfigPath({ CI: "true", MINIMAL: "1" }, "/repo")).toBe(full);
});
