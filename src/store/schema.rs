//! The portable schema: only types both backends share (text ids, UTC timestamps,
//! JSON kept as text). Hand-written because `diesel print-schema` emits PG-only types.

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_type -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        target -> Text,
        status -> Integer,
        detail -> Nullable<Text>,
        ip -> Nullable<Text>,
        forwarded_for -> Nullable<Text>,
        request_id -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        issued_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        email_hash -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        scopes -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    authors (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        bio -> Text,
        links -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sections (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        parent_id -> Nullable<Text>,
        position -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    images (id) {
        id -> Text,
        hash -> Text,
        mime -> Text,
        width -> Integer,
        height -> Integer,
        bytes -> BigInt,
        alt -> Text,
        caption -> Text,
        credit -> Text,
        focal_x -> Double,
        focal_y -> Double,
        original_key -> Text,
        renditions -> Text,
        uploaded_by -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    publication_settings (id) {
        id -> Integer,
        publication_name -> Nullable<Text>,
        language -> Nullable<Text>,
        logo_image_id -> Nullable<Text>,
        site_url -> Nullable<Text>,
        story_url_pattern -> Nullable<Text>,
        require_approval -> Nullable<Bool>,
        teaser_blocks -> Nullable<Integer>,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    articles (id) {
        id -> Text,
        slug -> Text,
        headline -> Text,
        standfirst -> Text,
        body -> Text,
        body_html -> Text,
        body_text -> Text,
        word_count -> Integer,
        reading_time_minutes -> Integer,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        embargo_until -> Nullable<Timestamp>,
        section_id -> Nullable<Text>,
        source -> Text,
        featured_image_id -> Nullable<Text>,
        canonical_url -> Text,
        seo_title -> Text,
        seo_description -> Text,
        corrections -> Text,
        created_by -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        /// Generated: when the story becomes public (NULL while it cannot). Read-only.
        public_from -> Nullable<Timestamp>,
        /// `writing`, `ready_for_edit` or `ready_to_publish`.
        stage -> Text,
        /// A published story goes back to draft by itself at this time.
        unpublish_at -> Nullable<Timestamp>,
        /// BCP 47.
        language -> Text,
        /// The original of the story's translation group.
        translation_of -> Nullable<Text>,
        /// `public`, `members` or `paid`.
        access -> Text,
    }
}

diesel::table! {
    /// A story's live state, once it has ever been live.
    article_live (article_id) {
        article_id -> Text,
        /// `live` or `ended`; NULL: no longer a live blog.
        state -> Nullable<Text>,
        started_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        /// The story's latest live-entry event number.
        seq -> BigInt,
    }
}

diesel::table! {
    live_entries (id) {
        id -> Text,
        article_id -> Text,
        headline -> Text,
        body -> Text,
        body_html -> Text,
        key_event -> Bool,
        pinned -> Bool,
        authors -> Text,
        created_by -> Nullable<Text>,
        version -> BigInt,
        published_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        created_seq -> BigInt,
        seq -> BigInt,
    }
}

diesel::table! {
    article_notes (id) {
        id -> Text,
        article_id -> Text,
        parent_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        text -> Text,
        mentions -> Text,
        resolved -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    article_working_copies (article_id) {
        article_id -> Text,
        content -> Text,
        base_version -> BigInt,
        version -> BigInt,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    article_previews (id) {
        id -> Text,
        article_id -> Text,
        token_hash -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        working_copy -> Bool,
    }
}

diesel::table! {
    article_locks (article_id) {
        article_id -> Text,
        user_id -> Text,
        acquired_at -> Timestamp,
        expires_at -> Timestamp,
        taken_from -> Nullable<Text>,
    }
}

diesel::table! {
    article_assignees (article_id, user_id) {
        article_id -> Text,
        user_id -> Text,
        assigned_at -> Timestamp,
    }
}

diesel::table! {
    article_authors (article_id, author_id) {
        article_id -> Text,
        author_id -> Text,
        position -> Integer,
        /// Kept in step with the story by triggers. Read-only here.
        published_at -> Nullable<Timestamp>,
        public_from -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> Text,
        tag_id -> Text,
        /// Kept in step with the story by triggers. Read-only here.
        published_at -> Nullable<Timestamp>,
        public_from -> Nullable<Timestamp>,
    }
}

diesel::table! {
    public_stories (article_id) {
        article_id -> Text,
        section_id -> Nullable<Text>,
        published_at -> Timestamp,
        slug -> Text,
        headline -> Text,
        standfirst -> Text,
        featured_image_id -> Nullable<Text>,
        tag_ids -> Text,
        author_ids -> Text,
        language -> Text,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_renders (article_id) {
        article_id -> Text,
        slug -> Text,
        section_id -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        public_from -> Nullable<Timestamp>,
        valid_until -> Nullable<Timestamp>,
        generation -> Text,
        version -> BigInt,
        related -> Text,
        keys -> Text,
        digest -> Text,
        packed -> Binary,
    }
}

diesel::table! {
    render_sweeps (generation) {
        generation -> Text,
        finished_at -> Timestamp,
    }
}

diesel::table! {
    render_keys (key, article_id) {
        key -> Text,
        article_id -> Text,
    }
}

diesel::table! {
    public_counts (kind, id) {
        kind -> Text,
        id -> Text,
        count -> BigInt,
    }
}

diesel::table! {
    cache_invalidations (seq) {
        seq -> BigInt,
        keys -> Text,
        due_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    purge_cursors (target) {
        target -> Text,
        seq -> BigInt,
        due_through -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_links (article_id, target_kind, target_id) {
        article_id -> Text,
        target_kind -> Text,
        target_id -> Text,
    }
}

diesel::table! {
    article_slugs (slug) {
        slug -> Text,
        article_id -> Text,
    }
}

diesel::table! {
    article_revisions (article_id, number) {
        article_id -> Text,
        number -> Integer,
        action -> Text,
        snapshot -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    collections (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        max_items -> Integer,
        fill_section_id -> Nullable<Text>,
        fill_tag_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    collection_items (collection_id, article_id) {
        collection_id -> Text,
        article_id -> Text,
        position -> Integer,
        pinned -> Bool,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    collection_changes (collection_id, version) {
        collection_id -> Text,
        version -> BigInt,
        operation -> Text,
        detail -> Text,
        items_before -> Text,
        items_after -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    collection_schedules (id) {
        id -> Text,
        collection_id -> Text,
        items -> Text,
        publish_at -> Timestamp,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        applied_at -> Nullable<Timestamp>,
        canceled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_changes (seq) {
        seq -> BigInt,
        article_id -> Text,
        action -> Text,
        syndicated -> Bool,
        public -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        events -> Text,
        secret -> Text,
        description -> Text,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        consecutive_failures -> Integer,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Text,
        kind -> Text,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        event_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    import_sources (source, kind, external_id) {
        source -> Text,
        kind -> Text,
        external_id -> Text,
        local_id -> Text,
        fingerprint -> Text,
        local_version -> Nullable<BigInt>,
        origin -> Nullable<Text>,
        imported_at -> Timestamp,
    }
}

diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_authors -> authors (author_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_assignees -> articles (article_id));
diesel::joinable!(article_assignees -> users (user_id));
diesel::joinable!(article_locks -> articles (article_id));
diesel::joinable!(article_notes -> articles (article_id));
diesel::joinable!(article_previews -> articles (article_id));
diesel::joinable!(article_working_copies -> articles (article_id));
diesel::joinable!(article_previews -> users (created_by));
diesel::joinable!(article_locks -> users (user_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(articles -> sections (section_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(api_keys -> users (created_by));
diesel::joinable!(collection_items -> collections (collection_id));
diesel::joinable!(collection_items -> articles (article_id));
diesel::joinable!(collection_changes -> collections (collection_id));
diesel::joinable!(collection_schedules -> collections (collection_id));
diesel::joinable!(article_changes -> articles (article_id));
diesel::joinable!(public_stories -> articles (article_id));
diesel::joinable!(article_renders -> articles (article_id));
diesel::joinable!(render_keys -> article_renders (article_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));

diesel::allow_tables_to_appear_in_same_query!(
    article_renders,
    render_keys,
    render_sweeps,
    users,
    sessions,
    refresh_tokens,
    login_failures,
    api_keys,
    authors,
    sections,
    tags,
    images,
    articles,
    article_authors,
    article_tags,
    article_assignees,
    article_locks,
    article_notes,
    article_live,
    live_entries,
    article_previews,
    article_working_copies,
    article_links,
    article_slugs,
    article_revisions,
    collections,
    collection_items,
    collection_changes,
    collection_schedules,
    article_changes,
    webhooks,
    webhook_events,
    webhook_deliveries,
    public_stories,
    public_counts,
    cache_invalidations,
    purge_cursors,
);
