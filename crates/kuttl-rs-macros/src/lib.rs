//! `#[kuttl::test]`: registers an async function as a typed test of a kuttl-rs suite. Use it
//! through the `kuttl-rs` crate (`kuttl::test`), whose documentation describes it.

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::{format_ident, quote};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, FnArg, ItemFn, Lit, MetaNameValue, Token, Type};

/// Registers `async fn name(ctx: kuttl::TestContext, …) -> Result<(), E>` as the typed test
/// `<suite>::<name>`. Arguments: `suite = "…"` (required), `name = "…"` (default: the function's
/// name), `timeout_seconds = N` (default: the suite's timeout). Parameters after the context are
/// fixture values, `&T` or `Arc<T>`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    match expand(args.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}

/// The attribute's arguments.
struct Args {
    suite: String,
    name: Option<String>,
    timeout_seconds: Option<u64>,
}

fn parse_args(args: proc_macro2::TokenStream) -> syn::Result<Args> {
    let pairs = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args.clone())?;
    let (mut suite, mut name, mut timeout_seconds) = (None, None, None);
    for pair in pairs {
        let key = pair.path.get_ident().map(ToString::to_string);
        let Expr::Lit(ExprLit { lit, .. }) = &pair.value else {
            return Err(syn::Error::new(pair.value.span(), "expected a literal"));
        };
        match (key.as_deref(), lit) {
            (Some("suite"), Lit::Str(text)) => suite = Some(text.value()),
            (Some("name"), Lit::Str(text)) => name = Some(text.value()),
            (Some("timeout_seconds"), Lit::Int(seconds)) => {
                timeout_seconds = Some(seconds.base10_parse()?);
            }
            _ => {
                return Err(syn::Error::new(
                    pair.span(),
                    "expected suite = \"…\", name = \"…\" or timeout_seconds = N",
                ));
            }
        }
    }
    let suite = suite.ok_or_else(|| {
        syn::Error::new(
            Span::call_site(),
            "#[kuttl::test] needs the suite the test belongs to: #[kuttl::test(suite = \"…\")]",
        )
    })?;
    Ok(Args {
        suite,
        name,
        timeout_seconds,
    })
}

/// The type `T` of a fixture parameter `&T` or `Arc<T>`, and whether it is borrowed.
fn fixture_type(ty: &Type) -> syn::Result<(&Type, bool)> {
    if let Type::Reference(reference) = ty {
        return Ok((&reference.elem, true));
    }
    if let Type::Path(path) = ty
        && let Some(last) = path.path.segments.last()
        && last.ident == "Arc"
        && let syn::PathArguments::AngleBracketed(generics) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) = generics.args.first()
    {
        return Ok((inner, false));
    }
    Err(syn::Error::new(
        ty.span(),
        "a fixture parameter is `&T` or `Arc<T>`, T the value of a fixture registered with Harness::fixture",
    ))
}

fn expand(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> syn::Result<proc_macro2::TokenStream> {
    let args = parse_args(args)?;
    let function: ItemFn = syn::parse2(item)?;
    if function.sig.asyncness.is_none() {
        return Err(syn::Error::new(
            function.sig.fn_token.span(),
            "#[kuttl::test] functions are async",
        ));
    }
    let mut inputs = function.sig.inputs.iter();
    if inputs.next().is_none() {
        return Err(syn::Error::new(
            function.sig.paren_token.span.join(),
            "a #[kuttl::test] function takes a kuttl::TestContext first",
        ));
    }
    let mut fetches = Vec::new();
    let mut passed = Vec::new();
    for (index, input) in inputs.enumerate() {
        let FnArg::Typed(typed) = input else {
            return Err(syn::Error::new(input.span(), "no `self` here"));
        };
        let (ty, borrowed) = fixture_type(&typed.ty)?;
        let value = format_ident!("__kuttl_fixture_{index}");
        fetches.push(quote! {
            let #value = ctx.fixture::<#ty>().map_err(|err| err.to_string())?;
        });
        passed.push(if borrowed {
            quote!(&*#value)
        } else {
            quote!(#value)
        });
    }
    let ident = &function.sig.ident;
    let function_name = ident.to_string();
    let suite = &args.suite;
    let name = args.name.unwrap_or_else(|| function_name.clone());
    let timeout = match args.timeout_seconds {
        Some(seconds) => quote!(::core::option::Option::Some(#seconds)),
        None => quote!(::core::option::Option::None),
    };
    Ok(quote! {
        #function

        ::kuttl::__private::inventory::submit! {
            ::kuttl::__private::RegisteredTest {
                suite: #suite,
                name: #name,
                function: #function_name,
                module_path: ::core::module_path!(),
                file: ::core::file!(),
                line: ::core::line!(),
                timeout_seconds: #timeout,
                run: |ctx: ::kuttl::TestContext| -> ::kuttl::__private::TestFuture {
                    ::std::boxed::Box::pin(async move {
                        #(#fetches)*
                        #ident(ctx, #(#passed),*)
                            .await
                            .map_err(|err| ::std::format!("{err:#}"))
                    })
                },
            }
        }
    })
}
