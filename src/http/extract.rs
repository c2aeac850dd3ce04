//! Body and query extractors whose failures name the offending field, in problem+json.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Largest JSON body accepted (bodies of long stories fit comfortably).
pub const JSON_LIMIT: usize = 2 * 1024 * 1024;

/// A JSON request body. Unlike actix's, its errors say which field was wrong.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let essence = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                essence == "application/json" || essence.ends_with("+json")
            });
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if is_json != Some(true) {
                return Err(AppError::UnsupportedMediaType(
                    "send the body as JSON with Content-Type: application/json".into(),
                ));
            }
            let bytes =
                body.await
                    .map_err(|e| match e.as_response_error().status_code().as_u16() {
                        413 => AppError::PayloadTooLarge(format!(
                            "the body is over {JSON_LIMIT} bytes"
                        )),
                        _ => AppError::BadRequest(format!("could not read the body: {e}")),
                    })?;
            parse_json(&bytes).map(Json)
        })
    }
}

/// An optional JSON body: none (or only whitespace) is `T::default()`, anything else
/// is parsed as [`parse_json`] does.
pub fn optional_json<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse_json(bytes)
    }
}

/// Parses JSON, mapping syntax errors to 400 and shape errors to a 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadRequest(
            "the request body is empty; send a JSON object".into(),
        ));
    }
    // A NUL character cannot be stored (PostgreSQL refuses it in text) nor mean
    // anything in a newsroom: refuse it up front, naming the field it is in. JSON must
    // escape it, so only bodies spelling `\u0000` need the closer look.
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"))
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(field) = nul_at(&value, String::new())
    {
        return Err(AppError::invalid(
            if field.is_empty() {
                "body".to_owned()
            } else {
                field
            },
            "must not contain NUL characters",
        ));
    }
    // Every body this API takes is an object, but serde also reads a struct from an
    // array of its fields in order (`[null]` as `{"version": null}`): refuse any other
    // JSON value by name (what is not JSON at all stays a 400 below).
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    {
        return Err(AppError::invalid("body", "must be a JSON object"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let err = match serde_path_to_error::deserialize(de) {
        Ok(parsed) => return Ok(parsed),
        Err(err) => err,
    };
    // JSON has one number type: `3.0` is the integer 3 to JSON Schema and to
    // JavaScript clients. Only on this (rare) error path, read the body again with
    // integral floats turned into integers.
    if err
        .inner()
        .to_string()
        .starts_with("invalid type: floating point")
        && let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes)
    {
        integral_floats_as_integers(&mut value);
        return serde_path_to_error::deserialize(value).map_err(shape_error);
    }
    Err(shape_error(err))
}

fn shape_error<E: serde::de::Error + std::fmt::Display + IsSyntax>(
    err: serde_path_to_error::Error<E>,
) -> AppError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    if inner.is_syntax_error() {
        return AppError::BadRequest(format!("the body is not valid JSON: {inner}"));
    }
    let (field, message) = field_and_message(&path, &inner.to_string());
    AppError::invalid(field, message)
}

trait IsSyntax {
    fn is_syntax_error(&self) -> bool;
}

impl IsSyntax for serde_json::Error {
    fn is_syntax_error(&self) -> bool {
        self.is_syntax() || self.is_eof()
    }
}

/// The path (`authors[0]`, `seo.title`) of the first string or key holding a NUL.
fn nul_at(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) => s.contains('\0').then_some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_at(v, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k.contains('\0') {
                Some(here)
            } else {
                nul_at(v, here)
            }
        }),
        _ => None,
    }
}

/// Rewrites every float with no fractional part (within `i64`) as an integer.
fn integral_floats_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                // Beyond 2^53 a float no longer says which integer was meant.
                && f.abs() < 9_007_199_254_740_992.0
            {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

/// Query-string parameters, with errors that name the parameter.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded_pairs(req.query_string());
        // As in bodies: a NUL means nothing in a newsroom and PostgreSQL refuses it.
        if let Some((name, _)) = pairs
            .iter()
            .find(|(k, v)| k.contains('\0') || v.0.contains('\0'))
        {
            let field = if name.contains('\0') {
                "query"
            } else {
                name.as_str()
            };
            return std::future::ready(Err(AppError::invalid(
                field,
                "must not contain NUL characters",
            )));
        }
        let de = serde::de::value::MapDeserializer::new(pairs.into_iter());
        let parsed = serde_path_to_error::deserialize::<_, T>(de).map_err(|err| {
            let path = err.path().to_string();
            let (field, message) = field_and_message(&path, &err.into_inner().to_string());
            AppError::invalid(field, message)
        });
        std::future::ready(parsed.map(Query))
    }
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, QueryValue)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), QueryValue(v.into_owned())))
        .collect()
}

/// A query value that parses into numbers and booleans as well as strings.
struct QueryValue(String);

impl<'de> serde::de::IntoDeserializer<'de, serde::de::value::Error> for QueryValue {
    type Deserializer = QueryValueDe;
    fn into_deserializer(self) -> QueryValueDe {
        QueryValueDe(self.0)
    }
}

struct QueryValueDe(String);

macro_rules! parse_as {
    ($($method:ident => $visit:ident),* $(,)?) => {$(
        fn $method<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            match self.0.parse() {
                Ok(v) => visitor.$visit(v),
                Err(_) => Err(serde::de::Error::custom(format!("'{}' is not a valid {}", self.0, &stringify!($method)[12..]))),
            }
        }
    )*};
}

impl<'de> serde::de::Deserializer<'de> for QueryValueDe {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_string(self.0)
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    parse_as! {
        deserialize_bool => visit_bool,
        deserialize_u8 => visit_u8, deserialize_u16 => visit_u16, deserialize_u32 => visit_u32, deserialize_u64 => visit_u64,
        deserialize_i8 => visit_i8, deserialize_i16 => visit_i16, deserialize_i32 => visit_i32, deserialize_i64 => visit_i64,
        deserialize_f32 => visit_f32, deserialize_f64 => visit_f64,
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        use serde::de::IntoDeserializer;
        visitor.visit_enum(self.0.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any i128 u128
    }
}

/// Turns serde's message and path into `(field, message)`: "missing field `name`" at
/// `.` becomes `("name", "is required")`.
fn field_and_message(path: &str, raw: &str) -> (String, String) {
    let message = raw.split(" at line ").next().unwrap_or(raw).to_owned();
    let prefix = if path == "." {
        String::new()
    } else {
        format!("{path}.")
    };
    let quoted = message.split('`').nth(1).map(str::to_owned);
    if let (Some(name), true) = (&quoted, message.starts_with("missing field")) {
        return (format!("{prefix}{name}"), "is required".into());
    }
    if let (Some(name), true) = (&quoted, message.starts_with("unknown field")) {
        // serde_path_to_error already puts the unknown key on the path.
        let field = if path.ends_with(name.as_str()) {
            path.to_owned()
        } else {
            format!("{prefix}{name}")
        };
        return (field, format!("is not a known field ({message})"));
    }
    let field = if path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    (field, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        links: Option<std::collections::BTreeMap<String, String>>,
    }

    fn field_of(json: &str) -> String {
        match parse_json::<Body>(json.as_bytes()) {
            Err(AppError::Validation(errors)) => errors[0].field.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn shape_errors_name_the_field() {
        assert_eq!(field_of("{}"), "name");
        assert_eq!(field_of(r#"{"name": 3}"#), "name");
        assert_eq!(field_of(r#"{"name": "a", "nmae": 1}"#), "nmae");
        assert_eq!(field_of(r#"{"name": "a", "links": {"x": 1}}"#), "links.x");
    }

    #[test]
    fn syntax_errors_are_bad_requests() {
        assert!(matches!(
            parse_json::<Body>(b"{"),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_json::<Body>(b""),
            Err(AppError::BadRequest(_))
        ));
    }
}
