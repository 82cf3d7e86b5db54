"""JSON Schema of each entity, generated from its declaration, and a checker for that subset.

The bundle carries the schemas for readers; the importer checks records against the schemas
of its own declarations (never against the ones in a bundle it has not yet trusted).
"""

from __future__ import annotations

import itertools
import operator
import re

from .registry import Declaration

# Attachments live at attachments/<entity>/<record uuid>/<field><suffix>.
ATTACHMENT = r"^attachments/[a-z0-9_]+\.[a-z0-9_]+/[0-9a-f-]{36}/[a-z0-9_]+(\.[a-z0-9]{1,10})?$"

UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_UUID = re.compile(UUID)

_TYPES = {
    "AutoField": {"type": "integer"},
    "BigIntegerField": {"type": "integer"},
    "BooleanField": {"type": "boolean"},
    "CharField": {"type": "string"},
    "CountryField": {"type": "string"},
    "DateField": {"type": "string", "format": "date"},
    "DateTimeField": {"type": "string", "format": "date-time"},
    "DecimalField": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"},
    "EmailField": {"type": "string"},
    "FileField": {"type": "string"},
    "FloatField": {"type": "number"},
    "GenericIPAddressField": {"type": "string"},
    "IntegerField": {"type": "integer"},
    "JSONField": {},
    "PositiveBigIntegerField": {"type": "integer", "minimum": 0},
    "PositiveIntegerField": {"type": "integer", "minimum": 0},
    "PositiveSmallIntegerField": {"type": "integer", "minimum": 0},
    "SlugField": {"type": "string"},
    "SmallIntegerField": {"type": "integer"},
    "TextField": {"type": "string"},
    "URLField": {"type": "string"},
    "UUIDField": {"type": "string", "pattern": UUID},
}


def _nullable(schema: dict, null: bool) -> dict:
    if null and "type" in schema:
        return {**schema, "type": [schema["type"], "null"]}
    return schema


def field_schema(declaration: Declaration, name: str) -> dict:
    field = declaration.field(name)
    convert = declaration.convert.get(name)
    if convert is not None and convert.schema is not None:
        return dict(convert.schema)
    if name in declaration.files:
        return {
            "type": ["string", "null"],
            "pattern": ATTACHMENT,
            "description": "path of the attached file inside the bundle",
        }
    if name in declaration.refs:
        uuid = {"type": "string", "pattern": UUID}
        if field.many_to_many:
            return {
                "type": "array",
                "items": uuid,
                "description": f"{declaration.ref_entity(name)} ids",
            }
        return {**_nullable(uuid, field.null), "description": f"{declaration.ref_entity(name)} id"}
    if name in declaration.users:
        if field.many_to_many:
            return {
                "type": "array",
                "items": {"type": "string"},
                "description": "the users' e-mail addresses",
            }
        return {
            "type": ["string", "null"] if field.null else "string",
            "description": "the user's e-mail address",
        }
    kind = field.get_internal_type()
    if type(field).__name__ == "CountryField":
        kind = "CountryField"
    schema = dict(_TYPES[kind])
    if (
        schema.get("type") == "string"
        and kind != "UUIDField"
        and getattr(field, "max_length", None)
    ):
        schema["maxLength"] = field.max_length
    if field.choices and schema.get("type") == "string":
        schema["enum"] = [str(value) for value, _ in field.flatchoices]
        if field.blank:
            schema["enum"] = sorted({*schema["enum"], ""})
    if field.help_text:
        schema["description"] = str(field.help_text)
    return _nullable(schema, field.null)


def entity_schema(declaration: Declaration) -> dict:
    """The JSON Schema of one record of the entity (cached: declarations do not change)."""
    cached = _SCHEMAS.get(declaration.entity)
    if cached is None or cached[0] is not declaration:
        cached = _SCHEMAS[declaration.entity] = (declaration, _entity_schema(declaration))
    return cached[1]


_SCHEMAS: dict[str, tuple[Declaration, dict]] = {}


def _entity_schema(declaration: Declaration) -> dict:
    from .bundle_export import FORMAT_VERSION

    properties = {"id": {"type": "string", "pattern": UUID, "description": "stable public id"}}
    properties.update({name: field_schema(declaration, name) for name in declaration.columns()[1:]})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"ecosys-bundle/v{FORMAT_VERSION}/{declaration.entity}.json",
        "title": declaration.entity,
        "description": (declaration.model.__doc__ or "").strip().splitlines()[0],
        "type": "object",
        "properties": properties,
        "required": list(declaration.columns()),
        "additionalProperties": False,
    }


_PY = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
    "null": type(None),
}


def _value_problem(schema: dict, value) -> str | None:
    kinds = schema.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        matches = any(
            isinstance(value, _PY[kind])
            and not (kind in ("integer", "number") and isinstance(value, bool))
            for kind in kinds
        )
        if not matches:
            return f"expected {' or '.join(kinds)}, got {type(value).__name__}"
    if value is None:
        return None
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return f"longer than {schema['maxLength']} characters"
        if "enum" in schema and value not in schema["enum"]:
            return f"{value!r} is not one of the allowed values"
        if "pattern" in schema and not re.match(schema["pattern"], value):
            return f"{value[:40]!r} does not match {schema['pattern']}"
    if isinstance(value, int) and "minimum" in schema and value < schema["minimum"]:
        return f"below {schema['minimum']}"
    if isinstance(value, list) and "items" in schema:
        for item in value:
            problem = _value_problem(schema["items"], item)
            if problem:
                return f"item: {problem}"
    return None


def record_problems(schema: dict, record) -> list[str]:
    """What is wrong with a record against an entity schema (empty when it matches)."""
    if not isinstance(record, dict):
        return ["a record must be a JSON object"]
    problems = [f"missing field {name!r}" for name in schema["required"] if name not in record]
    problems += [f"unknown field {name!r}" for name in record if name not in schema["properties"]]
    for name, value in record.items():
        if name in schema["properties"]:
            problem = _value_problem(schema["properties"][name], value)
            if problem:
                problems.append(f"{name}: {problem}")
    return problems


def is_uuid(value) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def compiled_check(schema: dict):
    """A fast yes/no check of a record against an entity schema (same rules as
    ``record_problems``, compiled once per schema); ``record_problems`` says what is wrong."""
    cached = _CHECKS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    # The check is generated as one function with a test per column written out (no call
    # per value for the common columns): it runs for every record of a bundle.
    env: dict = {"keys": frozenset(schema["properties"]), "len": len}
    code = [
        "def valid(record):",
        "    if type(record) is not dict or record.keys() != keys:",
        "        return False",
    ]
    for number, (name, prop) in enumerate(schema["properties"].items()):
        code += _column_code(prop, f"record[{name!r}]", number, env)
    code.append("    return True")
    exec("\n".join(code), env)  # noqa: S102 (code made above from the schema's own values)
    valid = env["valid"]
    _CHECKS[id(schema)] = (schema, valid)
    return valid


def _column_code(schema: dict, value: str, number: int, env: dict) -> list[str]:
    """Lines of the generated check for one column (same rules as ``_column_check``)."""
    simple = _simple_string(schema)
    if simple is not None:
        nullable, maximum, enum, pattern = simple
        code = [f"    v = {value}", "    if type(v) is not str:"]
        code.append("        if v is not None:" if nullable else "        return False")
        if nullable:
            code.append("            return False")
        tests = []
        if maximum is not None:
            tests.append(f"len(v) > {int(maximum)}")
        if enum is not None:
            env[f"enum_{number}"] = enum
            tests.append(f"v not in enum_{number}")
        if pattern is not None:
            env[f"pattern_{number}"] = pattern
            tests.append(f"pattern_{number}(v) is None")
        if tests:
            code += ["    elif " + " or ".join(tests) + ":", "        return False"]
        return code
    integer = _simple_integer(schema)
    if integer is not None:
        nullable, minimum = integer
        code = [f"    v = {value}", "    if type(v) is not int:"]
        if nullable:
            code += ["        if v is not None:", "            return False"]
        else:
            code.append("        return False")
        if minimum is not None:
            code += [f"    elif v < {int(minimum)}:", "        return False"]
        return code
    items = schema.get("items")
    if schema.get("type") == "array" and isinstance(items, dict) and not set(schema) - _PLAIN_KEYS:
        item = _column_check(items)
        if item is not None:
            env[f"item_{number}"] = item
            return [
                f"    v = {value}",
                f"    if type(v) is not list or not all(map(item_{number}, v)):",
                "        return False",
            ]
    check = _column_check(schema)
    if check is None:
        return []
    env[f"check_{number}"] = check
    return [f"    if not check_{number}({value}):", "        return False"]


_PLAIN_KEYS = frozenset({"type", "items", "description"})


def _simple_integer(schema: dict):
    """(nullable, minimum) of a plain integer column, else None."""
    kinds = schema.get("type")
    if kinds not in ("integer", ["integer"], ["integer", "null"]):
        return None
    if set(schema) - {"type", "minimum", "description"}:
        return None
    return kinds == ["integer", "null"], schema.get("minimum")


def _simple_string(schema: dict):
    """(nullable, maxLength, enum, pattern match) of a plain string column, else None."""
    kinds = schema.get("type")
    if kinds not in ("string", ["string"], ["string", "null"]) or "items" in schema:
        return None
    if set(schema) - {"type", "maxLength", "enum", "pattern", "format", "description"}:
        return None
    enum = frozenset(schema["enum"]) if "enum" in schema else None
    pattern = re.compile(schema["pattern"]).match if "pattern" in schema else None
    return kinds == ["string", "null"], schema.get("maxLength"), enum, pattern


_CHECKS: dict[int, tuple[dict, object]] = {}
_EXACT = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def _column_check(schema: dict):
    """One value's check, or None when anything goes (a JSON field)."""
    kinds = schema.get("type")
    if kinds is None and not schema:
        return None
    if kinds is None:
        return lambda value: _value_problem(schema, value) is None
    kinds = kinds if isinstance(kinds, list) else [kinds]
    # type(value) in ...: exact types, so booleans are not integers (as _value_problem says).
    types = frozenset(t for kind in kinds for t in _EXACT[kind])
    maximum = schema.get("maxLength")
    enum = frozenset(schema["enum"]) if "enum" in schema else None
    pattern = re.compile(schema["pattern"]).match if "pattern" in schema else None
    minimum = schema.get("minimum")
    items = schema.get("items")
    if items is not None or (kinds != ["string"] and kinds != ["string", "null"]):
        if maximum is None and enum is None and pattern is None and minimum is None and not items:
            return lambda value: type(value) in types
        return lambda value: _value_problem(schema, value) is None

    def check(value) -> bool:
        if type(value) not in types:
            return False
        if value is None:
            return True
        if maximum is not None and len(value) > maximum:
            return False
        if enum is not None and value not in enum:
            return False
        return pattern is None or pattern(value) is not None

    return check


# --------------------------------------------------------------------------- batch check
def batch_check(schema: dict):
    """A check of a whole list of records against an entity schema, a column at a time with
    loops in C (``map``, ``set``, ``max``, one regular expression over a column's joined
    text): True only when every record passes ``compiled_check``; False when any may not, and
    then the caller checks record by record (which also says which ones fail)."""
    cached = _BATCH_CHECKS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    keys = frozenset(schema["properties"])
    columns = []
    for name, prop in schema["properties"].items():
        test = _column_batch(prop)
        if test is not None:
            columns.append((operator.itemgetter(name), test))

    def check(records: list) -> bool:
        if not records:
            return True
        if set(map(type, records)) != {dict}:
            return False
        if not all(map(operator.eq, itertools.repeat(keys), map(dict.keys, records))):
            return False
        return all(test(list(map(get, records))) for get, test in columns)

    _BATCH_CHECKS[id(schema)] = (schema, check)
    return check


_BATCH_CHECKS: dict[int, tuple[dict, object]] = {}
_NONE = type(None)


def _column_batch(schema: dict):
    """A test of one column's values (a list): True only when each passes ``_column_check``."""
    kinds = schema.get("type")
    if kinds is None and not schema:
        return None  # anything goes (a JSON field)
    if kinds is None:
        single = _column_check(schema)
        return lambda values: all(map(single, values))
    kinds = kinds if isinstance(kinds, list) else [kinds]
    allowed = frozenset(t for kind in kinds for t in _EXACT[kind])
    simple = _simple_string(schema)
    integer = _simple_integer(schema)
    items = schema.get("items")
    item_test = None
    if kinds == ["array"] and isinstance(items, dict) and not set(schema) - _PLAIN_KEYS:
        item_test = _column_batch(items)
        if item_test is None:
            item_test = _anything
    if simple is None and integer is None and item_test is None:
        if set(schema) - {"type", "description"}:
            single = _column_check(schema)
            return lambda values: all(map(single, values))
        return lambda values: set(map(type, values)) <= allowed
    joined = None
    if simple is not None and simple[3] is not None:
        joined = _joined_pattern(schema["pattern"])
    _, maximum, enum, _ = simple if simple is not None else (None, None, None, None)
    minimum = integer[1] if integer is not None else None

    def test(values: list) -> bool:
        if not values:
            return True
        types = set(map(type, values))
        if not types <= allowed:
            return False
        if _NONE in types:
            values = [value for value in values if value is not None]
            if not values:
                return True
        if item_test is not None:
            return item_test(list(itertools.chain.from_iterable(values)))
        if maximum is not None and max(map(len, values)) > maximum:
            return False
        if enum is not None and not enum.issuperset(values):
            return False
        if minimum is not None and min(values) < minimum:
            return False
        if simple is not None and simple[3] is not None:
            if joined is None:
                return all(map(simple[3], values))
            text = "\n".join(values)
            # No value holds a line break, so each one matched the pattern on its own.
            return text.count("\n") == len(values) - 1 and joined(text) is not None
        return True

    return test


def _anything(values) -> bool:
    return True


def _joined_pattern(pattern: str):
    """``fullmatch`` of values joined by line breaks, each matching ``pattern`` (anchored with
    ^ and $), when the pattern cannot match a line break itself; else None."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return None
    body = pattern[1:-1]
    plain = re.sub(r"\\[.\-]", "", body)
    if re.search(r"[.|^$]|\\[sSDWnbBAZ]|\[\^", plain):
        return None
    return re.compile(f"(?:{body})(?:\n(?:{body}))*").fullmatch
