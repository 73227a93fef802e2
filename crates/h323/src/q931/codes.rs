//! The small code tables of Q.931 clause 4.5 (type of number, location, layer-1 protocol, ...):
//! one macro turns each table into a `Copy` enum with an `Other(u8)` catch-all, so every octet
//! value decodes to something and re-encodes to the same bits.

/// Declares a code enum: named variants for the codes the spec defines, `Other(u8)` for the rest.
/// `$mask` is the width of the field; codes are masked to it on the way in and out.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident: $mask:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal => $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A code without a name here. `Other` holding a named code encodes identically but
            /// decodes back to the named variant.
            Other(u8),
        }

        impl $name {
            /// The variant for `code`, masked to the field width.
            pub fn from_code(code: u8) -> Self {
                match code & $mask {
                    $( $code => Self::$variant, )*
                    other => Self::Other(other),
                }
            }

            /// The code as carried on the wire, masked to the field width.
            pub fn code(self) -> u8 {
                match self {
                    $( Self::$variant => $code, )*
                    Self::Other(code) => code & $mask,
                }
            }

            /// The spec's name for the code, lower case; `"unknown"` for `Other`.
            pub fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::Other(_) => "unknown",
                }
            }
        }

        impl From<u8> for $name {
            fn from(code: u8) -> Self {
                Self::from_code(code)
            }
        }
    };
}

pub(crate) use code_enum;
